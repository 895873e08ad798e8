import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, utimesSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashFile, sendFile, sendOnce } from '../../src/transfer/client.js';
import { runCli, waitFor, Workspace, EVENT_MS, cliStartMs } from '../helpers/cli.js';
import { nginxCombined } from '../helpers/log-lines.js';
import { headerFor, LogsPeer, sha256, startServe, type Serve } from '../helpers/logs-peer.js';

const TOKEN = 'tr4nsfer-T0ken-e2e-5a1t';
const WRONG = 'wr0ng-T0ken-e2e-9c2f';
const CONFIG = 'web:\n  type: logs\n  inputs: ["inbox/*.log"]\n  format: nginx-combined\n';
const env = { LOGS_TOKEN: TOKEN };

// Every file in the inbox and in processed/ whose stored name ends with `-name`; looked for again while a
// hand-off moves one from the inbox to processed/ (a file is in one of them at any moment).
function stored(ws: Workspace, name: string): string[] {
  for (let tries = 0; ; tries++) {
    const found = ['inbox', 'inbox/processed'].flatMap((dir) => readdirSync(ws.path(dir)).filter((f) => f.endsWith(`-${name}`)).map((f) => join(ws.path(dir), f)));
    if ((found.length < 2 && found.every((f) => existsSync(f))) || tries > 100) return found;
  }
}

// The bytes of the one stored copy of `name`, wherever it is when read.
function readStored(ws: Workspace, name: string): Buffer {
  for (let tries = 0; ; tries++) {
    const found = stored(ws, name);
    if (found.length !== 1) throw new Error(`expected one stored copy of ${name}, found ${found.length}`);
    try {
      return readFileSync(found[0]!);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || tries > 100) throw error;
    }
  }
}

const partials = (ws: Workspace) => readdirSync(ws.path('inbox/.partial'));

describe('logs serve, against clients that misbehave', () => {
  let ws: Workspace;
  let serve: Serve;
  let good = 0;
  beforeAll(async () => {
    ws = new Workspace();
    ws.write('config/web.yaml', CONFIG);
    serve = await startServe(ws.dir, ['--inbox', 'inbox', '--process', 'web', '--header-timeout', '2', '--idle-timeout', '1', '--max-bytes', '1M'], env);
  });
  afterAll(async () => {
    const result = await serve?.stop();
    expect(result?.code).toBe(0);
    expect(`${result?.stderr}${ws.readAll('data')}`).not.toContain(TOKEN);
    ws?.remove();
  });

  // After each bad client, a good one is served as if nothing had happened.
  async function expectAGoodClientServed(): Promise<void> {
    const content = nginxCombined(20, undefined, ++good).text;
    const reply = await LogsPeer.send(serve.port, content, `good-${good}.log`, TOKEN);
    expect(reply).toEqual({ ok: true, stored: `${sha256(content).slice(0, 12)}-good-${good}.log` });
  }

  async function expectNothingStored(name: string): Promise<void> {
    await waitFor(() => partials(ws).length === 0, EVENT_MS, 'the partial file to be deleted');
    expect(stored(ws, name)).toEqual([]);
  }

  it('refuses a wrong token with E_AUTH, a reply that reveals nothing, and closes', async () => {
    const peer = await LogsPeer.connect(serve.port);
    peer.header(headerFor('x\n', 'auth.log', WRONG));
    expect(await peer.reply()).toEqual({ ok: false, code: 'E_AUTH', message: 'the token was not accepted' });
    await peer.closed();
    await expectNothingStored('auth.log');
    expect(serve.stderr()).not.toContain(WRONG);
    await expectAGoodClientServed();
  });

  it('refuses a header that is not JSON with E_BAD_HEADER', async () => {
    const peer = await LogsPeer.connect(serve.port);
    peer.frame('{"v":1, this is not JSON');
    expect(await peer.reply()).toEqual({ ok: false, code: 'E_BAD_HEADER', message: 'expected the header to be a JSON object, got not JSON' });
    await peer.closed();
    await expectAGoodClientServed();
  });

  it('refuses a header whose size is a string with E_BAD_HEADER naming "size"', async () => {
    const peer = await LogsPeer.connect(serve.port);
    peer.header({ ...headerFor('x\n', 'typed.log', TOKEN), size: '2' });
    expect(await peer.reply()).toEqual({ ok: false, code: 'E_BAD_HEADER', message: 'expected "size" to be a whole number of bytes, got "2"' });
    await expectNothingStored('typed.log');
    await expectAGoodClientServed();
  });

  it('refuses a header announced over 8 KiB with E_HEADER_TOO_LARGE before reading it', async () => {
    const peer = await LogsPeer.connect(serve.port);
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(9000);
    peer.raw(prefix);
    expect(await peer.reply()).toMatchObject({ ok: false, code: 'E_HEADER_TOO_LARGE' });
    await peer.closed();
    await expectAGoodClientServed();
  });

  it('refuses "../../etc/passwd" as a name with E_BAD_NAME and writes nothing', async () => {
    const peer = await LogsPeer.connect(serve.port);
    peer.header(headerFor('root:x:0:0\n', '../../etc/passwd', TOKEN));
    expect(await peer.reply()).toEqual({ ok: false, code: 'E_BAD_NAME', message: 'refused the name "../../etc/passwd": a name may not hold "/" or "\\" (a plain file name only, no folders)' });
    await peer.closed();
    expect(existsSync(join(ws.path('inbox'), '../../etc/passwd'))).toBe(false);
    expect(stored(ws, 'passwd')).toEqual([]);
    expect(partials(ws)).toEqual([]);
    await expectAGoodClientServed();
  });

  it('refuses an announced size over --max-bytes with E_TOO_LARGE before any byte of the body', async () => {
    const peer = await LogsPeer.connect(serve.port);
    peer.header({ ...headerFor('x', 'huge.log', TOKEN), size: 2 * 1024 * 1024 });
    expect(await peer.reply()).toEqual({ ok: false, code: 'E_TOO_LARGE', message: 'the file is 2097152 bytes; this server accepts at most 1048576' });
    await peer.closed();
    await expectNothingStored('huge.log');
    await expectAGoodClientServed();
  });

  it('refuses a body whose SHA-256 is not the announced one with E_HASH_MISMATCH, and keeps nothing', async () => {
    const content = nginxCombined(50, undefined, 101).text;
    const peer = await LogsPeer.connect(serve.port);
    peer.header({ ...headerFor(content, 'forged.log', TOKEN), sha256: sha256('something else') });
    expect(await peer.reply()).toEqual({ ok: true });
    peer.frame(content).end();
    expect(await peer.reply()).toMatchObject({ ok: false, code: 'E_HASH_MISMATCH' });
    await peer.closed();
    await expectNothingStored('forged.log');
    await expectAGoodClientServed();
  });

  it('refuses more bytes than announced with E_SIZE_MISMATCH as soon as they are announced', async () => {
    const peer = await LogsPeer.connect(serve.port);
    peer.header(headerFor('0123456789', 'longer.log', TOKEN));
    expect(await peer.reply()).toEqual({ ok: true });
    peer.frame('01234').frame('56789-and-more');
    expect(await peer.reply()).toEqual({ ok: false, code: 'E_SIZE_MISMATCH', message: 'more bytes than the 10 announced' });
    await expectNothingStored('longer.log');
    await expectAGoodClientServed();
  });

  it('deletes the partial file of a client that disconnects mid-file, and says so', async () => {
    const peer = await LogsPeer.connect(serve.port);
    peer.header(headerFor(Buffer.alloc(100_000, 'a'), 'gone.log', TOKEN));
    expect(await peer.reply()).toEqual({ ok: true });
    peer.frame(Buffer.alloc(40_000, 'a'));
    await waitFor(() => partials(ws).length === 1, EVENT_MS, 'the partial file');
    peer.destroy();
    await waitFor(() => /disconnected after \d+ of 100000 bytes of "gone.log"; the partial file was deleted\./.test(serve.stderr()), 5000, 'the disconnect to be logged');
    await expectNothingStored('gone.log');
    await expectAGoodClientServed();
  });

  it('times out a client that stalls mid-file with E_TIMEOUT after --idle-timeout, and deletes its partial file', async () => {
    const peer = await LogsPeer.connect(serve.port);
    peer.header(headerFor(Buffer.alloc(100_000, 'b'), 'stalled.log', TOKEN));
    expect(await peer.reply()).toEqual({ ok: true });
    peer.frame(Buffer.alloc(1000, 'b'));
    const started = Date.now();
    // Meanwhile, another client is served in full.
    await expectAGoodClientServed();
    expect(await peer.reply()).toEqual({ ok: false, code: 'E_TIMEOUT', message: 'no data for 1 s; the transfer was abandoned' });
    expect(Date.now() - started).toBeLessThan(5000);
    await peer.closed();
    await expectNothingStored('stalled.log');
  });

  it('times out a client that never completes its header with E_TIMEOUT after --header-timeout', async () => {
    const peer = await LogsPeer.connect(serve.port);
    peer.raw(Buffer.from([0, 0, 0, 50, 123]));
    expect(await peer.reply()).toEqual({ ok: false, code: 'E_TIMEOUT', message: 'no complete header within 2 s' });
    await peer.closed();
    await expectAGoodClientServed();
  });

  it('reads a body sent without waiting for the go-ahead, once the header has passed its checks', async () => {
    const content = nginxCombined(40, undefined, 303).text;
    const peer = await LogsPeer.connect(serve.port);
    peer.header(headerFor(content, 'eager.log', TOKEN)).frame(content).end();
    expect(await peer.reply()).toEqual({ ok: true });
    expect(await peer.reply()).toEqual({ ok: true, stored: `${sha256(content).slice(0, 12)}-eager.log` });
    await peer.closed();
  });

  it('stores a small file sent whole, end frame included, by a client that then half-closes', async () => {
    const content = nginxCombined(5, undefined, 404).text;
    const peer = await LogsPeer.connect(serve.port);
    peer.header(headerFor(content, 'half-closed.log', TOKEN)).frame(content).end();
    peer.socket.end();
    expect(await peer.reply()).toEqual({ ok: true });
    expect(await peer.reply()).toEqual({ ok: true, stored: `${sha256(content).slice(0, 12)}-half-closed.log` });
  });

  it('serves a client with the token while 300 connections that never send a header wait', async () => {
    const idle = await Promise.all(Array.from({ length: 300 }, () => LogsPeer.connect(serve.port)));
    await expectAGoodClientServed();
    for (const peer of idle) peer.destroy();
  });

  it('answers a file it already holds as a duplicate, and receives nothing', async () => {
    const content = nginxCombined(30, undefined, 202).text;
    expect(await LogsPeer.send(serve.port, content, 'twice.log', TOKEN)).toMatchObject({ ok: true });
    const peer = await LogsPeer.connect(serve.port);
    peer.header(headerFor(content, 'twice-renamed.log', TOKEN));
    expect(await peer.reply()).toEqual({ ok: true, duplicate: true, stored: `${sha256(content).slice(0, 12)}-twice.log` });
    await peer.closed();
    expect(stored(ws, 'twice-renamed.log')).toEqual([]);
  });

  it('acknowledges 50 concurrent clients, each file stored whole with its SHA-256', async () => {
    const files = Array.from({ length: 50 }, (_, i) => ({ name: `many-${i}.log`, content: nginxCombined(200 + i, undefined, 1000 + i).text }));
    for (const f of files) ws.write(`outbox/${f.name}`, f.content);
    const results = await Promise.all(files.map((f) => sendFile(ws.path(`outbox/${f.name}`), { host: '127.0.0.1', port: serve.port, token: TOKEN, timeoutMs: 20_000, retries: 3, backoffMs: 100 })));
    expect(results.map((r) => r.stored)).toEqual(files.map((f) => `${sha256(f.content).slice(0, 12)}-${f.name}`));
    for (const f of files) expect(sha256(readStored(ws, f.name))).toBe(sha256(f.content));
    expect(partials(ws)).toEqual([]);
  });
});

describe('logs send, through the command line', () => {
  let ws: Workspace;
  const serves: Serve[] = [];
  beforeEach(() => {
    ws = new Workspace();
    ws.write('config/web.yaml', CONFIG);
  });
  afterEach(async () => {
    for (const s of serves.splice(0)) await s.stop();
    ws.remove();
  });
  const serveHere = async (args: string[] = []) => {
    const s = await startServe(ws.dir, ['--inbox', 'inbox', '--process', 'web', ...args], env);
    serves.push(s);
    return s;
  };

  it('sends two files, exits 0, and both are in the inbox with their contents', async () => {
    const serve = await serveHere(['--max-parallel', '1']);
    const a = ws.write('out/a.log', nginxCombined(300, undefined, 1).text);
    const b = ws.write('out/b.log', nginxCombined(120, undefined, 2).text);
    const sent = await runCli(['logs', 'send', a, b, '--host', '127.0.0.1', '--port', String(serve.port)], { cwd: ws.dir, env });
    expect(sent.code).toBe(0);
    expect(sent.stderr).toMatch(/Sent \S+a\.log \(\d+ bytes, [\d.]+ MB\/s\): stored as [0-9a-f]{12}-a\.log\./);
    for (const [path, name] of [[a, 'a.log'], [b, 'b.log']] as const) expect(readStored(ws, name).toString()).toBe(readFileSync(path, 'utf8'));
  });

  it('hands each received file to the logs process: a run recorded as a success with every line read, and the file in processed/', async () => {
    const serve = await serveHere();
    const log = nginxCombined(250, undefined, 7);
    const file = ws.write('out/access.log', log.text);
    expect((await runCli(['logs', 'send', file, '--host', '127.0.0.1', '--port', String(serve.port)], { cwd: ws.dir, env })).code).toBe(0);
    const name = `${sha256(log.text).slice(0, 12)}-access.log`;
    await waitFor(() => serve.stderr().includes(`Processed ${name} as web`), EVENT_MS, 'the hand-off');
    expect(ws.exists(`inbox/processed/${name}`)).toBe(true);
    expect(ws.exists(`inbox/${name}`)).toBe(false);
    const db = new Database(ws.path('data/state.db'), { readonly: true });
    const rows = db.prepare('SELECT name, type, status, records FROM process_results').all() as Array<Record<string, string>>;
    db.close();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ name: 'web', type: 'logs', status: 'success' });
    expect(JSON.parse(rows[0]!.records!).read).toBe(log.lines);
  });

  it("sweeps .defaults.yaml's housekeeping after its first hand-off, its processed/ folder included, and not again the same day", async () => {
    ws.write('config/.defaults.yaml', 'housekeeping: { keep_days: 30 }\n');
    const old = ws.write('inbox/processed/0123456789ab-old.log', 'read long ago\n');
    const longAgo = new Date(Date.now() - 40 * 86_400_000);
    utimesSync(old, longAgo, longAgo);
    const young = ws.write('inbox/processed/0123456789ab-young.log', 'read today\n');
    const serve = await serveHere();
    for (const [n, name] of ['first.log', 'second.log'].entries()) {
      const text = nginxCombined(20, undefined, 30 + n).text;
      expect((await runCli(['logs', 'send', ws.write(`out/${name}`, text), '--host', '127.0.0.1', '--port', String(serve.port)], { cwd: ws.dir, env })).code).toBe(0);
      await waitFor(() => serve.stderr().includes(`Processed ${sha256(text).slice(0, 12)}-${name} as web`), EVENT_MS, `the hand-off of ${name}`);
      if (n === 0) await waitFor(() => /Housekeeping processed: 1 files deleted/.test(serve.stderr()), EVENT_MS, 'the sweep');
    }
    expect((await serve.stop()).code).toBe(0);
    expect(serve.stderr().match(/Housekeeping /g)).toHaveLength(1);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(young)).toBe(true);
  });

  it('sends a 40 MB file in 1 MiB chunks, stored byte for byte', async () => {
    const serve = await serveHere();
    const block = nginxCombined(2000, undefined, 3).text;
    const file = ws.write('out/big.log', block.repeat(Math.ceil(40e6 / block.length)));
    const sent = await runCli(['logs', 'send', file, '--host', '127.0.0.1', '--port', String(serve.port)], { cwd: ws.dir, env });
    expect(sent.code).toBe(0);
    expect(sha256(readStored(ws, 'big.log'))).toBe(sha256(readFileSync(file)));
  });

  it('sends a log that grows meanwhile as it was when hashed', async () => {
    const serve = await serveHere();
    const before = nginxCombined(100, undefined, 4).text;
    const file = ws.write('out/growing.log', before);
    const digest = await hashFile(file);
    appendFileSync(file, nginxCombined(50, undefined, 5).text);
    const result = await sendOnce(file, digest, { host: '127.0.0.1', port: serve.port, token: TOKEN, timeoutMs: 10_000, retries: 0 });
    expect(result).toMatchObject({ stored: `${sha256(before).slice(0, 12)}-growing.log`, duplicate: false, bytes: before.length });
    expect(readStored(ws, 'growing.log').toString()).toBe(before);
  });

  it('answers E_BUSY past --max-connections transfers, and send tries again until a place frees', async () => {
    const serve = await serveHere(['--max-connections', '2']);
    // Two clients with the token, each in the middle of its file.
    const holders = await Promise.all(['one', 'two'].map(async (name) => {
      const peer = await LogsPeer.connect(serve.port);
      expect(await peer.header(headerFor(`${name}\n`.repeat(100), `${name}.log`, TOKEN)).reply()).toEqual({ ok: true });
      return peer;
    }));
    const third = await LogsPeer.connect(serve.port);
    expect(await third.header(headerFor('three\n', 'three.log', TOKEN)).reply()).toEqual({ ok: false, code: 'E_BUSY', message: 'the server is busy (2 transfers at once); try again later' });
    const file = ws.write('out/patient.log', nginxCombined(10).text);
    const sending = runCli(['logs', 'send', file, '--host', '127.0.0.1', '--port', String(serve.port), '--retries', '10'], { cwd: ws.dir, env });
    await waitFor(() => serve.stderr().split('Refused a transfer').length > 2, EVENT_MS, 'the send to be turned away');
    for (const h of holders) h.destroy();
    const sent = await sending;
    expect(sent.code).toBe(0);
    expect(sent.stderr).toContain(`Sending ${file} failed: E_BUSY: the server is busy (2 transfers at once); try again later; try 2 of 11`);
    expect(stored(ws, 'patient.log')).toHaveLength(1);
  });

  it('fails at once with E_TLS when --tls meets a server without TLS, and the server says why', async () => {
    const serve = await serveHere();
    const file = ws.write('out/a.log', 'x\n');
    const sent = await runCli(['logs', 'send', file, '--host', '127.0.0.1', '--port', String(serve.port), '--tls'], { cwd: ws.dir, env });
    expect(sent.code).toBe(1);
    expect(sent.stderr).toContain(`Could not send ${file}: E_TLS: TLS with 127.0.0.1:${serve.port} failed: ERR_SSL_WRONG_VERSION_NUMBER (does the server use TLS? serve does only with --tls-cert)`);
    expect(sent.stderr).not.toContain('try 2');
    expect(serve.stderr()).toMatch(/E_HEADER_TOO_LARGE: a header of \d+ bytes; at most 8192 are accepted \(these are the first bytes of a TLS handshake: this server runs without TLS\)/);
  });

  it('exits 1 after its retries when nothing listens on the port', async () => {
    const port = await closedPort();
    const file = ws.write('out/a.log', 'x\n');
    const started = Date.now();
    const sent = await runCli(['logs', 'send', file, '--host', '127.0.0.1', '--port', String(port), '--retries', '1', '--timeout', '2'], { cwd: ws.dir, env });
    expect(sent.code).toBe(1);
    expect(sent.stderr).toContain(`Sending ${file} failed: E_CONNECT: cannot connect to 127.0.0.1:${port}: ECONNREFUSED; try 2 of 2`);
    expect(sent.stderr).toContain(`Could not send ${file}: E_CONNECT: cannot connect to 127.0.0.1:${port}: ECONNREFUSED`);
    expect(sent.stderr).toContain(`1 of 1 file(s) not acknowledged by 127.0.0.1:${port}.`);
    expect(Date.now() - started).toBeLessThan(10_000 + 2 * (await cliStartMs()));
  });

  it('exits 1 at once on a wrong token, naming E_AUTH and never the token', async () => {
    const serve = await serveHere();
    const file = ws.write('out/a.log', 'x\n');
    ws.write('wrong-token', `${WRONG}\n`);
    const started = Date.now();
    const sent = await runCli(['logs', 'send', file, '--host', '127.0.0.1', '--port', String(serve.port), '--token-file', 'wrong-token'], { cwd: ws.dir, env: { LOGS_TOKEN: '' } });
    expect(sent.code).toBe(1);
    expect(sent.stderr).toContain(`Could not send ${file}: E_AUTH: the token was not accepted`);
    expect(sent.stderr).not.toContain('try 2');
    expect(Date.now() - started).toBeLessThan(5000 + 2 * (await cliStartMs()));
    const served = await serve.stop();
    for (const text of [sent.stdout, sent.stderr, served.stderr, ws.readAll('data')]) {
      expect(text).not.toContain(WRONG);
      expect(text).not.toContain(TOKEN);
    }
  });

  it('does not wait on a FIFO: it is refused as not a file, and the next file is sent', async () => {
    const serve = await serveHere();
    const fifo = ws.path('out/fifo.log');
    const file = ws.write('out/next.log', 'x\n');
    execFileSync('mkfifo', [fifo]);
    const sent = await runCli(['logs', 'send', fifo, file, '--host', '127.0.0.1', '--port', String(serve.port)], { cwd: ws.dir, env });
    expect(sent.code).toBe(1);
    expect(sent.stderr).toContain(`cannot read "${fifo}": not a regular file`);
    expect(stored(ws, 'next.log')).toHaveLength(1);
  });

  it('goes on with the other files when one cannot be read, and exits 1', async () => {
    const serve = await serveHere();
    const good = ws.write('out/good.log', nginxCombined(10).text);
    const sent = await runCli(['logs', 'send', ws.path('out/missing.log'), good, '--host', '127.0.0.1', '--port', String(serve.port)], { cwd: ws.dir, env });
    expect(sent.code).toBe(1);
    expect(sent.stderr).toContain(`Could not send ${ws.path('out/missing.log')}: E_FILE: cannot read "${ws.path('out/missing.log')}": ENOENT`);
    expect(stored(ws, 'good.log')).toHaveLength(1);
  });

  it('sends over TLS with --tls --ca to a serve with an openssl certificate, and a client without TLS is told to use it', async () => {
    const certs = ws.path('certs');
    mkdirSync(certs);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-days', '2', '-keyout', join(certs, 'key.pem'), '-out', join(certs, 'cert.pem')], { stdio: 'ignore' });
    const serve = await serveHere(['--tls-cert', 'certs/cert.pem', '--tls-key', 'certs/key.pem']);
    expect(serve.stderr()).toContain('(TLS on)');
    const file = ws.write('out/secure.log', nginxCombined(40).text);
    const port = String(serve.port);
    const sent = await runCli(['logs', 'send', file, '--host', '127.0.0.1', '--port', port, '--tls', '--ca', 'certs/cert.pem'], { cwd: ws.dir, env });
    expect(sent.code).toBe(0);
    expect(readStored(ws, 'secure.log').toString()).toBe(readFileSync(file, 'utf8'));
    const plain = await runCli(['logs', 'send', file, '--host', '127.0.0.1', '--port', port, '--retries', '0'], { cwd: ws.dir, env });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('(if the server uses TLS, pass --tls)');
    const untrusted = await runCli(['logs', 'send', file, '--host', '127.0.0.1', '--port', port, '--tls', '--retries', '3'], { cwd: ws.dir, env });
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/E_TLS: TLS with 127\.0\.0\.1:\d+ failed: self[- ]signed certificate/);
    expect(untrusted.stderr).not.toContain('try 2');
  });
});

describe('logs serve, starting and stopping', () => {
  let ws: Workspace;
  beforeEach(() => {
    ws = new Workspace();
    ws.write('config/web.yaml', `${CONFIG}archive:\n  type: command\n  run: { argv: ["true"] }\n`);
  });
  afterEach(() => ws.remove());

  it('refuses to start without a token and says how to set one (exit 2)', async () => {
    const r = await runCli(['logs', 'serve', '--port', '0', '--inbox', 'inbox', '--process', 'web'], { cwd: ws.dir, env: { LOGS_TOKEN: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('main: no token: set the shared token in the environment variable LOGS_TOKEN, or put it in a file and pass --token-file FILE');
  });

  it('refuses a token shorter than 16 characters (exit 2), which would be easy to guess', async () => {
    const r = await runCli(['logs', 'serve', '--port', '0', '--inbox', 'inbox', '--process', 'web'], { cwd: ws.dir, env: { LOGS_TOKEN: 'short' } });
    expect([r.code, r.stderr.trim()]).toEqual([2, 'main: the token has 5 characters; use at least 16 (openssl rand -hex 24 makes one)']);
  });

  it('refuses an inbox whose .partial/ is a symbolic link, and deletes nothing where it points (exit 2)', async () => {
    ws.write('elsewhere/precious.txt', 'keep me');
    mkdirSync(ws.path('inbox'), { recursive: true });
    symlinkSync(ws.path('elsewhere'), ws.path('inbox/.partial'));
    const r = await runCli(['logs', 'serve', '--port', '0', '--inbox', 'inbox', '--process', 'web'], { cwd: ws.dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot use the inbox "inbox": .*inbox\/\.partial is a symbolic link; it must be a real folder of the inbox/);
    expect(ws.read('elsewhere/precious.txt')).toBe('keep me');
  });

  it('refuses a --process that is not of type logs, naming the logs processes (exit 2)', async () => {
    const r = await runCli(['logs', 'serve', '--port', '0', '--inbox', 'inbox', '--process', 'archive'], { cwd: ws.dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('main: process "archive" is of type command, and --process needs a process of type logs; the logs processes in ./config: web');
  });

  it('refuses a missing or bad --port as a usage error (exit 2)', async () => {
    const missing = await runCli(['logs', 'serve', '--inbox', 'inbox', '--process', 'web'], { cwd: ws.dir, env });
    expect([missing.code, missing.stderr.trim()]).toEqual([2, "main: required option '--port <port>' not specified"]);
    const bad = await runCli(['logs', 'send', 'a.log', '--host', 'h', '--port', 'http'], { cwd: ws.dir, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected --port to be a whole number from 1 to 65535, got "http"');
  });

  it('deletes what a crash left in .partial/, hands off files waiting in the inbox, and exits 0 on SIGTERM', async () => {
    const log = nginxCombined(60, undefined, 9);
    const name = `${sha256(log.text).slice(0, 12)}-left.log`;
    ws.write(`inbox/${name}`, log.text);
    ws.write('inbox/.partial/1234-0123456789abcdef.part', 'half a file');
    const serve = await startServe(ws.dir, ['--inbox', 'inbox', '--process', 'web'], env);
    expect(serve.stderr()).toMatch(/Deleted 1 temporary file\(s\) an earlier serve left in \S+\/inbox\/\.partial\./);
    expect(partials(ws)).toEqual([]);
    await waitFor(() => serve.stderr().includes(`Processed ${name} as web`), EVENT_MS, 'the hand-off of the waiting file');
    expect(ws.exists(`inbox/processed/${name}`)).toBe(true);
    // The same file sent again is known, though it has been processed.
    expect(await LogsPeer.send(serve.port, log.text, 'left.log', TOKEN)).toEqual({ ok: true, duplicate: true, stored: name });
    const { code, stderr } = await serve.stop();
    expect(code).toBe(0);
    expect(stderr).toContain('SIGTERM received: no new files');
    expect(stderr).toContain('Stopped.');
  });

  it('lets a transfer under way finish when it is asked to stop, and accepts no new connection', async () => {
    const serve = await startServe(ws.dir, ['--inbox', 'inbox', '--process', 'web'], env);
    const content = nginxCombined(100, undefined, 11).text;
    const peer = await LogsPeer.connect(serve.port);
    peer.header(headerFor(content, 'late.log', TOKEN));
    expect(await peer.reply()).toEqual({ ok: true });
    peer.frame(content.slice(0, 100));
    serve.child.kill('SIGTERM');
    await waitFor(() => serve.stderr().includes('SIGTERM received'), EVENT_MS, 'the signal to be seen');
    // The listener closes just after the signal is logged (on a busy machine, a connection can slip in between).
    const deadline = Date.now() + EVENT_MS;
    for (;;) {
      const refused = await LogsPeer.connect(serve.port).then((late) => (late.destroy(), undefined), (error: Error) => error);
      if (refused) {
        expect(refused.message).toMatch(/ECONNREFUSED/);
        break;
      }
      if (Date.now() > deadline) throw new Error('logs serve still accepts connections after SIGTERM');
      await new Promise((r) => setTimeout(r, 50));
    }
    peer.frame(content.slice(100)).end();
    expect(await peer.reply()).toEqual({ ok: true, stored: `${sha256(content).slice(0, 12)}-late.log` });
    const { code } = await serve.done;
    expect(code).toBe(0);
    // Received during the stop, so not handed off: it waits in the inbox for the next start.
    expect(stored(ws, 'late.log')).toEqual([ws.path(`inbox/${sha256(content).slice(0, 12)}-late.log`)]);
  });
});

// A loopback port nothing listens on.
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
