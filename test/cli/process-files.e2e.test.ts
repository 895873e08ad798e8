import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAIN, runCli, startCli, waitFor, Workspace, type CliResult, EVENT_MS, cliStartMs } from '../helpers/cli.js';
import { RedisServer } from '../helpers/redis.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => {
  execFileSync('chmod', ['-R', 'u+rwX', ws.dir]);
  ws.remove();
});

const runs = 'ran:\n  type: command\n  run: { shell: "touch ran.txt" }\n';
const PASS = 'Odd/Pw@ x+y#1';
const noStackTrace = (r: CliResult) => expect(`${r.stdout}\n${r.stderr}`).not.toMatch(/^\s+at .+\(.*:\d+:\d+\)$|TypeError|RangeError/m);

// Tests run as root, whom chmod 000 does not stop. The CLI is run without the capabilities that let root read
// anything (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so that file permissions apply to it as to any user.
function runUnprivileged(args: string[]): Promise<CliResult> {
  const root = process.getuid?.() === 0;
  const [command, argv] = root ? ['setpriv', ['--bounding-set=-dac_override,-dac_read_search', '--', process.execPath, MAIN, ...args]] : [process.execPath, [MAIN, ...args]];
  const child = spawn(command, argv, { cwd: ws.dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('process files that cannot be read', () => {
  it('names an unreadable file and an unreadable folder, exits 2, runs nothing, and shows no stack trace', async () => {
    ws.write('config/a.yaml', runs);
    ws.write('config/locked.yaml', 'x:\n  type: command\n');
    ws.write('config/private/b.yaml', 'y:\n  type: command\n');
    chmodSync(ws.path('config/locked.yaml'), 0o000);
    chmodSync(ws.path('config/private'), 0o000);
    const checked = await runUnprivileged(['--validate-only']);
    expect(checked.code).toBe(2);
    expect(checked.stdout).toContain('  config/private: cannot read the folder: permission denied (EACCES)');
    const run = await runUnprivileged([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('config/private: cannot read the folder: permission denied (EACCES)');
    noStackTrace(checked);
    noStackTrace(run);
    expect(ws.exists('ran.txt')).toBe(false);
    // With the folder readable again, the file is what stops the run.
    chmodSync(ws.path('config/private'), 0o755);
    const file = await runUnprivileged([]);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('config/locked.yaml: cannot read the file: permission denied (EACCES)');
    noStackTrace(file);
    expect(ws.exists('ran.txt')).toBe(false);
  });

  it('follows a symlinked file and folder, and names a symlink loop with exit 2', async () => {
    ws.write('elsewhere/linked.yaml', runs);
    ws.write('shared/other.yaml', 'other:\n  type: command\n  run: { argv: ["true"] }\n');
    ws.write('config/own.yaml', 'own:\n  type: command\n  run: { argv: ["true"] }\n');
    symlinkSync(ws.path('elsewhere/linked.yaml'), ws.path('config/linked.yaml'));
    symlinkSync(ws.path('shared'), ws.path('config/shared'));
    const followed = await runCli(['--json'], { cwd: ws.dir });
    expect(followed.code).toBe(0);
    expect(JSON.parse(followed.stdout).processes.map((p: { name: string; file: string }) => `${p.name} ${p.file}`)).toEqual(['ran config/linked.yaml', 'own config/own.yaml', 'other config/shared/other.yaml']);
    symlinkSync('.', ws.path('shared/up'));
    const loop = await runCli(['--validate-only'], { cwd: ws.dir });
    expect(loop.code).toBe(2);
    expect(loop.stdout).toMatch(/config\/shared\/up: symlink loop: this folder leads back to ".*", which holds it/);
  });

  it('refuses a non-UTF-8 byte, a huge file and runaway nesting where they stand, in a few seconds', async () => {
    ws.write('config/zz-runs.yaml', runs);
    writeFileSync(ws.path('config/latin1.yaml'), Buffer.concat([Buffer.from('db:\n  type: command\n  run: { argv: [echo], env: { DB_PASSWORD: "s3cr'), Buffer.from([0xe9]), Buffer.from('t" } }\n')]));
    ws.write('config/huge.yaml', '');
    truncateSync(ws.path('config/huge.yaml'), 200 * 1024 * 1024);
    ws.write('config/deep.yaml', `deep:\n  type: command\n  run: { argv: [x, ${'['.repeat(3000)}${']'.repeat(3000)}] }\n`);
    const started = Date.now();
    const r = await runCli([], { cwd: ws.dir });
    expect(Date.now() - started).toBeLessThan(20_000 + 2 * (await cliStartMs()));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('config/latin1.yaml:3:49: expected UTF-8 text, got the byte 0xE9');
    expect(r.stderr).toContain('config/huge.yaml: expected a process file of at most 4.0 MB, got 200.0 MB');
    expect(r.stderr).toMatch(/config\/deep\.yaml:3:\d+: expected mappings and lists nested at most 64 levels deep/);
    noStackTrace(r);
    expect(ws.exists('ran.txt')).toBe(false);
  });
});

describe('usage', () => {
  it('refuses --only "" (it ran every process) with exit 2', async () => {
    ws.write('config/a.yaml', runs);
    const r = await runCli(['--only', ''], { cwd: ws.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('main: expected --only to name at least one process, got ""\n');
    expect(ws.exists('ran.txt')).toBe(false);
  });
});

describe('timeouts longer than a Node.js timer holds', () => {
  it('lets a process with a 30-day timeout and a 30-day step timeout run to the end (they timed out after 0.1 s)', async () => {
    ws.write('config/a.yaml', 'month:\n  type: command\n  timeout: 2592000\n  run: { shell: "sleep 1; touch done.txt", timeout: 2592000 }\n');
    const r = await runCli(['--json'], { cwd: ws.dir });
    expect(r.stderr).not.toContain('TimeoutOverflowWarning');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).processes[0].status).toBe('success');
    expect(ws.exists('done.txt')).toBe(true);
  });
});

describe('a password with # / @ space + in a URL', () => {
  const influx = (url: string) => `copy:\n  source_server: { url: "${url}", database: a }\n  destination_server: { url: "http://127.0.0.1:9", database: b }\n  backup_config: { retries: 0, timeout: 2 }\n`;
  const env = { PASS };

  it('validates, and runs to a plain failure to connect, never printing the password', async () => {
    ws.write('config/a.yaml', influx('http://admin:${PASS}@127.0.0.1:9'));
    const checked = await runCli(['--validate-only'], { cwd: ws.dir, env });
    expect(checked.code).toBe(0);
    const run = await runCli(['--json'], { cwd: ws.dir, env });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).processes[0].error).toEqual({ code: 'E_INFLUX_REQUEST', message: expect.stringContaining('source http://127.0.0.1:9: ') });
    noStackTrace(run);
    const everything = [checked.stdout, checked.stderr, run.stdout, run.stderr, ws.readAll('data')].join('\n');
    for (const piece of [PASS, 'Odd', encodeURIComponent(PASS)]) expect(everything).not.toContain(piece);
  });

  it('is a validation error, with the password masked, when the rest of the URL does not parse', async () => {
    ws.write('config/a.yaml', influx('http://admin:${PASS}@127.0.0.1:9 9'));
    const r = await runCli([], { cwd: ws.dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('config/a.yaml:2:25: process "copy": expected "url" to be an http:// or https:// URL such as "http://localhost:8086", got "http://admin:***@127.0.0.1:9 9"');
    expect(r.stderr).not.toContain('Odd');
    noStackTrace(r);
  });

  it('keeps `main schedule` up on SIGHUP with such a URL, refusing the reload with the password masked', async () => {
    ws.write('config/a.yaml', 'tick:\n  type: command\n  schedule: "0 0 1 1 *"\n  run: { argv: ["true"] }\n');
    const s = startCli(['schedule', '--grace', '1'], { cwd: ws.dir, env });
    let stderr = '';
    s.child.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => stderr.includes('Scheduler started'), EVENT_MS, 'the scheduler to start');
    ws.write('config/a.yaml', influx('http://admin:${PASS}@127.0.0.1:9 9'));
    s.child.kill('SIGHUP');
    await waitFor(() => stderr.includes('Reload refused'), EVENT_MS, 'the refusal');
    ws.write('config/a.yaml', influx('http://admin:${PASS}@127.0.0.1:9'));
    s.child.kill('SIGHUP');
    await waitFor(() => stderr.includes('Reloaded ./config: 1 process(es).'), EVENT_MS, 'the reload');
    s.child.kill('SIGTERM');
    const { code } = await s.done;
    expect(code).toBe(0);
    expect(stderr).toContain('got "http://admin:***@127.0.0.1:9 9"');
    expect(stderr).not.toContain('Odd');
    expect(stderr).not.toMatch(/TypeError|^\s+at /m);
  });

  describe('main worker', () => {
    let redis: RedisServer;
    beforeAll(async () => void (redis = await RedisServer.start()), 30_000);
    afterAll(async () => redis?.stop());

    it('stays up on SIGHUP with such a URL, refusing the reload with the password masked', async () => {
      ws.write('config/a.yaml', 'hello:\n  type: command\n  run: { argv: ["true"] }\n');
      const w = startCli(['worker', '--queue', `${redis.url}/7`, '--concurrency', '1', '--grace', '1'], { cwd: ws.dir, env });
      let stderr = '';
      w.child.stderr!.on('data', (d) => (stderr += d));
      try {
        await waitFor(() => /taking jobs from/.test(stderr), EVENT_MS, 'the worker to start');
        ws.write('config/a.yaml', influx('http://admin:${PASS}@127.0.0.1:9 9'));
        w.child.kill('SIGHUP');
        await waitFor(() => stderr.includes('Reload refused'), EVENT_MS, 'the refusal');
        ws.write('config/a.yaml', influx('http://admin:${PASS}@127.0.0.1:9'));
        w.child.kill('SIGHUP');
        await waitFor(() => stderr.includes('Reloaded ./config: 1 process(es).'), EVENT_MS, 'the reload');
      } finally {
        w.child.kill('SIGTERM');
      }
      expect((await w.done).code).toBe(0);
      expect(stderr).toContain('got "http://admin:***@127.0.0.1:9 9"');
      expect(stderr).not.toContain('Odd');
      expect(stderr).not.toMatch(/TypeError|^\s+at /m);
    });
  });
});
