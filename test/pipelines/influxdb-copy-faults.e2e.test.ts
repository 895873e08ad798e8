import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { runCli, startCli, waitFor, cliStartMs } from '../helpers/cli.js';
import { FlakyProxy } from '../helpers/flaky-proxy.js';
import { CopyFixture } from '../helpers/influx-copy.js';
import { Influxd } from '../helpers/influxd.js';
import { InfluxProxy, type ProxyRule } from '../helpers/influx-proxy.js';

// Faults of the servers and of their history: a shard duration changed while points came, a query slower than the
// timeout, an answer that breaks off, a destination slower than a read can wait, a stop while verifying.
const f = new CopyFixture();
beforeAll(() => f.start());
afterAll(() => f.stop());
beforeEach(() => f.next());
afterEach(() => f.done());

const HOUR = 3_600_000_000_000n;
const T = 1700000000000000000n;

// One copy through proxies in front of the source and the destination, with the rules given for each.
async function copyThrough(backupConfig: string, rules: { source?: ProxyRule[]; destination?: ProxyRule[] }, args: string[] = []) {
  const [src, dst] = await Promise.all([InfluxProxy.start(f.src.url, rules.source ?? []), InfluxProxy.start(f.dst.url, rules.destination ?? [])]);
  try {
    f.ws.write('config/copy.yaml', `copy:\n  source_server: { url: "${src.url}", database: ${f.db} }\n  destination_server: { url: "${dst.url}", database: ${f.db}_copy }\n  backup_config: { ${backupConfig} }\n`);
    const { code, stdout, stderr } = await runCli(['--json', ...args], { cwd: f.ws.dir });
    if (!stdout.startsWith('{')) throw new Error(`main printed no summary (exit ${code}):\n${stderr}`);
    return { code, process: (JSON.parse(stdout) as RunSummary).processes[0]!, stderr };
  } finally {
    await Promise.all([src.stop(), dst.stop()]);
  }
}

describe('influxdb-copy after a retention policy\'s shard duration was changed', () => {
  it('copies every point although shard groups overlap, and names the stretch where a field\'s types cannot be told apart', async () => {
    // Daily groups first, then weekly ones: the week of 1970-01-05 gets a group over the daily groups of the 7th and 8th.
    await f.src.query(`CREATE RETENTION POLICY r ON ${f.db} DURATION INF REPLICATION 1 SHARD DURATION 1d DEFAULT`);
    await f.src.write(f.db, `cpu usage=1 ${168n * HOUR}\ncpu usage=2 ${157n * HOUR}\nm v=1.5 ${157n * HOUR}`, 'r');
    await f.src.query(`ALTER RETENTION POLICY r ON ${f.db} SHARD DURATION 7d`);
    // A weekly group from Monday the 5th now lies over the daily groups of the 7th and 8th; v becomes an integer in it.
    await f.src.write(f.db, `cpu usage=3 ${205n * HOUR}\ncpu usage=4 ${262n * HOUR}\nm v=7i ${220n * HOUR}`, 'r');
    const first = await f.copy('mode: incremental');
    expect(first.code).toBe(1);
    // Where the groups overlap, a query reads both, and v as one type: the float of the 7th cannot be told apart.
    expect(first.process.error?.message).toMatch(/^1 of 4 measurements were not copied whole: m \[r\]: from 1970-01-07T00:00:00Z to 1970-01-08T00:00:00Z shard groups overlap \(the retention policy's shard duration was changed while points were written\), and field "v" is (float and integer|integer and float) there, which InfluxQL casts into each other: these points cannot be copied exactly/);
    expect(first.process.records).toEqual({ read: 5, written: 5, rejected: 0 });
    const cpu = (await f.src.dump(f.db, 'r')).filter((l) => l.startsWith('cpu '));
    expect(cpu).toHaveLength(4);
    expect((await f.dst.dump(`${f.db}_copy`, 'r')).filter((l) => l.startsWith('cpu '))).toEqual(cpu);
    expect(await f.dst.dump(`${f.db}_copy`, 'r')).toContain(`m [] ${220n * HOUR} v:integer=7`);
    const second = await f.copy('mode: incremental, exclude_measurements: [m]');
    expect(second.code).toBe(0);
  });
});

describe('influxdb-copy after a retention policy\'s shard duration was changed, a field of several types', () => {
  it('copies exactly where the overlapping groups hold one type of it, however many it has elsewhere', async () => {
    await f.src.query(`CREATE RETENTION POLICY r ON ${f.db} DURATION INF REPLICATION 1 SHARD DURATION 1d DEFAULT`);
    // A float on the 7th, a string three weeks later, each in its daily group; then a weekly group over the 7th.
    await f.src.write(f.db, `m v=1.5 ${150n * HOUR}\nm v="s" ${721n * HOUR}`, 'r');
    await f.src.query(`ALTER RETENTION POLICY r ON ${f.db} SHARD DURATION 7d`);
    await f.src.write(f.db, `m v=2.5 ${100n * HOUR}`, 'r');
    const { code, process } = await f.copy('mode: full, validate_data: checksum');
    expect(code, JSON.stringify(process.error)).toBe(0);
    const copied = await f.dst.dump(`${f.db}_copy`, 'r');
    expect(copied).toEqual(await f.src.dump(f.db, 'r'));
    for (const line of [`m [] ${100n * HOUR} v:float=2.5`, `m [] ${150n * HOUR} v:float=1.5`, `m [] ${721n * HOUR} v:string=s`]) expect(copied).toContain(line);
  });

  it('copies exactly as a user who may not list the shard groups: a stretch holding two kinds of values is halved until each holds one', async () => {
    const secured = await Influxd.start({ user: 'admin', password: 'Adm1n-pass-word' });
    try {
      for (const q of ['CREATE DATABASE src', 'CREATE DATABASE dst', "CREATE USER reader WITH PASSWORD 'R3ader-pass-word'", 'GRANT READ ON src TO reader', 'GRANT ALL ON dst TO reader']) await secured.query(q);
      await secured.query('CREATE RETENTION POLICY r ON src DURATION INF REPLICATION 1 SHARD DURATION 1d DEFAULT');
      await secured.query('CREATE RETENTION POLICY r ON dst DURATION INF REPLICATION 1 SHARD DURATION 1d DEFAULT');
      // Two daily groups a day apart, a float and a string; the computed groups are weekly now.
      await secured.write('src', `m v=1.5 ${100n * HOUR}\nm v="str" ${125n * HOUR}`, 'r');
      await secured.query('ALTER RETENTION POLICY r ON src SHARD DURATION 7d');
      const user = 'user: reader, password: "R3ader-pass-word"';
      f.ws.write('config/copy.yaml', `copy:\n  source_server: { url: "${secured.url}", ${user}, database: src }\n  destination_server: { url: "${secured.url}", ${user}, database: dst }\n  backup_config: { mode: full, window: 2d, validate_data: checksum }\n`);
      const { code, stdout, stderr } = await runCli(['--json'], { cwd: f.ws.dir });
      expect(code, stderr).toBe(0);
      expect(JSON.parse(stdout).processes[0].records).toEqual({ read: 2, written: 2, rejected: 0 });
      expect(await secured.dump('dst', 'r')).toEqual(await secured.dump('src', 'r'));
    } finally {
      await secured.stop();
    }
  });
});

describe('influxdb-copy on names InfluxQL cannot quote', () => {
  it('copies names that differ only in bytes that are not UTF-8, read together, each field asked for with its own type', async () => {
    const lines = ['q\xffx v=1.5 1700000000000000000', 'q\xfex v=2.5 1700000000000000000', 'r\xffx v=7i 1700000000000000000', 'r\xfex v="s" 1700000000000000000', 'ctl\rcr v=1 1700000000000000000', 'ok v=1 1700000000000000000'];
    for (const line of lines) await f.src.writeBytes(f.db, Buffer.from(line, 'latin1'));
    const { code, process } = await f.copy('mode: full, validate_data: checksum');
    expect(code, JSON.stringify(process.error)).toBe(0);
    expect(process.integrity?.checks.map((c) => c.name)).toEqual(['checksum ctl\\x0dcr [autogen]', 'checksum ok [autogen]', 'checksum q\\xfex [autogen]', 'checksum q\\xffx [autogen]', 'checksum r\\xfex [autogen]', 'checksum r\\xffx [autogen]']);
    const copied = await f.dst.dump(`${f.db}_copy`);
    expect(copied).toContain('r\\xffx [] 1700000000000000000 v:integer=7');
    expect(copied).toContain('r\\xfex [] 1700000000000000000 v:string=s');
    expect(copied).toEqual(await f.src.dump(f.db));
  });
});

describe('influxdb-copy when one request fails or is slow', () => {
  beforeEach(async () => {
    await f.src.write(f.db, ['good1', 'bad', 'good2'].flatMap((m) => [0n, 1n, 2n].map((i) => `${m} v=${i}i ${T + i}`)).join('\n'));
  });

  it('fails only the measurement whose query stays unanswered: the server still answers /ping', async () => {
    const slow: ProxyRule = { match: (r) => r.path === '/query' && /"bad".*LIMIT 1/.test(r.body), delayMs: 3000 };
    const { code, process } = await copyThrough('mode: full, timeout: 1, retries: 1', { source: [slow] });
    expect(code).toBe(1);
    expect(process.error).toMatchObject({ code: 'E_INFLUX_REQUEST', message: expect.stringMatching(/^1 of 3 measurements were not copied whole: bad \[autogen\]: .*no answer for 1 s/) });
    expect(process.records).toEqual({ read: 6, written: 6, rejected: 0 });
    expect(process.integrity?.checks.filter((c) => c.ok).map((c) => c.name)).toEqual(['count good1 [autogen]', 'count good2 [autogen]']);
  });

  it('makes a failed check of a measurement that cannot be read back, and verifies the others', async () => {
    const refused: ProxyRule = { match: (r) => r.path === '/query' && /count\(\*\) FROM "autogen"\."bad"/.test(r.body), status: 500 };
    const { code, process } = await copyThrough('mode: full, retries: 0', { source: [refused] });
    expect(code).toBe(1);
    expect(process.records).toEqual({ read: 9, written: 9, rejected: 0 });
    expect(process.integrity?.checks).toEqual([
      expect.objectContaining({ name: 'count bad [autogen]', ok: false, detail: expect.stringMatching(/could not be verified: .*answered 500: proxy: refused on purpose/) }),
      expect.objectContaining({ name: 'count good1 [autogen]', ok: true }),
      expect.objectContaining({ name: 'count good2 [autogen]', ok: true }),
    ]);
  });

  it('says a check that could not run is the server\'s failure, not a difference, and checks it again next time', async () => {
    // InfluxDB answers 200 before it runs a query: a slow count falls silent while its answer is read.
    const slowCount: ProxyRule = { match: (r) => r.path === '/query' && /count\(/.test(r.body), bodyDelayMs: 2500 };
    const first = await copyThrough('mode: incremental, timeout: 1, retries: 0', { source: [slowCount] });
    expect(first.code).toBe(1);
    expect(first.process.error).toMatchObject({ code: 'E_INFLUX_REQUEST', message: expect.stringMatching(/^3 measurement\(s\) could not be verified: .*slower than backup_config.timeout/) });
    expect(first.process.integrity?.checks.every((c) => !c.ok && /could not be verified/.test(c.detail!))).toBe(true);
    // Nothing was checked: the next run copies and checks it all.
    const second = await f.copy('mode: incremental, timeout: 5');
    expect(second.code).toBe(0);
    expect(second.process.records?.read).toBe(9);
  });

  it('takes a server that answers /ping but leaves query after query unanswered for down, and stops', async () => {
    await f.src.write(f.db, Array.from({ length: 12 }, (_, i) => `more${i} v=1i ${T}`).join('\n'));
    const hung: ProxyRule = { match: (r) => r.path === '/query' && r.body.startsWith('SELECT'), delayMs: 20_000 };
    const started = Date.now();
    const { code, process } = await copyThrough('mode: full, timeout: 1, retries: 0, read_concurrency: 1', { source: [hung] });
    expect(code).toBe(1);
    expect(process.error).toMatchObject({ code: 'E_INFLUX_REQUEST', message: expect.stringContaining('the server is taken for down') });
    expect(Date.now() - started).toBeLessThan(15_000 + 2 * (await cliStartMs()));
  });

  it('keeps the copy\'s own failures in the summary when a server fails while verifying', async () => {
    await f.src.query(`SELECT v INTO "#hidden" FROM good1`, f.db);
    const reset: ProxyRule = { match: (r) => r.path === '/query' && /count\(/.test(r.body), reset: true };
    const { code, process } = await copyThrough('mode: full, retries: 0', { destination: [reset] });
    expect(code).toBe(1);
    expect(process.error?.message).toMatch(/^1 of 4 measurements were not copied whole: #hidden \[autogen\]: .*; verifying the copy: destination /);
    expect(process.integrity?.checks).toEqual([expect.objectContaining({ name: 'copy #hidden [autogen]', ok: false })]);
    expect(process.records).toEqual({ read: 9, written: 9, rejected: 0 });
  });

  it('does not take its own pause for a silent server: writes slower than the timeout hold the read back, and nothing fails', async () => {
    const lines = Array.from({ length: 160 }, (_, i) => `paced,host=h${i % 4} v=${i}i ${T + BigInt(i) * 1_000_000n}`);
    await f.src.write(f.db, lines.join('\n'));
    const slowWrites: ProxyRule = { match: (r) => r.path === '/write', delayMs: 600 };
    const { code, process, stderr } = await copyThrough('mode: full, timeout: 1, retries: 0, page_size: 20, write_concurrency: 1, measurements: [paced]', { destination: [slowWrites] });
    expect(code, stderr).toBe(0);
    expect(process.records).toEqual({ read: 160, written: 160, rejected: 0 });
  });

  it('names the server and says E_INFLUX_REQUEST when its answers keep breaking off', async () => {
    const proxy = await FlakyProxy.start(f.src.url, { breaks: 1000, afterBytes: 1 });
    try {
      f.ws.write('config/copy.yaml', f.processFile('mode: full, retries: 1, measurements: [bad]', 'copy', proxy.url));
      const { code, stdout } = await runCli(['--json'], { cwd: f.ws.dir });
      expect(code).toBe(1);
      expect(JSON.parse(stdout).processes[0].error).toMatchObject({ code: 'E_INFLUX_REQUEST', message: expect.stringContaining(`source ${proxy.url}`) });
    } finally {
      await proxy.stop();
    }
  });

  it('keeps one abort listener whatever the number of requests retrying at once', async () => {
    const refused: ProxyRule = { match: (r) => r.path === '/write', status: 503 };
    const { code, stderr } = await copyThrough('mode: full, retries: 3, page_size: 1, write_concurrency: 32, read_concurrency: 8', { destination: [refused] });
    expect(code).toBe(1);
    expect(stderr).not.toMatch(/MaxListenersExceededWarning|memory leak/);
  });
});

describe('influxdb-copy verification over time', () => {
  it('checks what has settled: points of the last `overlap` before the run are copied now and checked by the next run', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    await f.src.write(f.db, `m v=1i ${T}\nm v=2i ${T + 1n}\nm v=3i ${now - 60_000_000_000n}`);
    const { code, process } = await f.copy('mode: incremental, overlap: 10m, validate_data: checksum');
    expect(code).toBe(0);
    expect(process.records?.written).toBe(3);
    expect(process.integrity?.checks[0]).toMatchObject({ name: 'checksum m [autogen]', ok: true, expected: expect.stringMatching(/^2 points/) });
  });

  it('reads again from the same place, run after run, what keeps failing its verification', async () => {
    const s = 1_000_000_000n;
    await f.src.write(f.db, Array.from({ length: 30 }, (_, i) => `m v=${i}i ${T + BigInt(i) * s}`).join('\n'));
    expect((await f.copy('mode: incremental, overlap: 2s')).code).toBe(0);
    // New points on the source, and among them on the destination an extra point the copy cannot remove.
    await f.dst.write(`${f.db}_copy`, `m v=99i ${T + 35n * s + 1n}`);
    await f.src.write(f.db, Array.from({ length: 10 }, (_, i) => `m v=${100 + i}i ${T + BigInt(30 + i) * s}`).join('\n'));
    const reads: number[] = [];
    for (let run = 0; run < 3; run++) {
      const { process } = await f.copy('mode: incremental, overlap: 2s');
      expect(process.error?.code).toBe('E_INTEGRITY');
      reads.push(process.records!.read);
    }
    expect(new Set(reads).size).toBe(1);
  });

  it('checks, on the next run, what an earlier run copied without checking, and copies it again when it differs', async () => {
    const s = 1_000_000_000n;
    await f.src.write(f.db, Array.from({ length: 20 }, (_, i) => `m v=${i}i ${T + BigInt(i) * s}`).join('\n'));
    expect((await f.copy('mode: incremental, overlap: 2s, validate_data: false')).code).toBe(0);
    // Lost on the destination after the copy: only a check over everything since the last one can see it.
    await f.dst.query(`DELETE FROM m WHERE time = ${T + 3n * s}`, `${f.db}_copy`);
    const checked = await f.copy('mode: incremental, overlap: 2s');
    expect(checked.process.records!.read).toBeLessThan(5);
    expect(checked.process.integrity?.checks[0]).toMatchObject({ name: 'count m [autogen]', ok: false, missing: 1 });
    const again = await f.copy('mode: incremental, overlap: 2s');
    expect(again.code).toBe(0);
    expect(again.process.records!.read).toBe(20);
    expect(await f.dst.dump(`${f.db}_copy`)).toEqual(await f.src.dump(f.db));
  });

  it('reads again, on the next incremental run, what failed its verification', async () => {
    const s = 1_000_000_000n;
    await f.src.write(f.db, `m v=1i ${T}\nm v=2i ${T + 10n * s}\nm v=3i ${T + 20n * s}`);
    await f.dst.query(`CREATE DATABASE ${f.db}_copy`);
    await f.dst.write(`${f.db}_copy`, `m v=9i ${T + 5n * s}`);
    const failed = await f.copy('mode: incremental, overlap: 1s');
    expect(failed.process.error?.code).toBe('E_INTEGRITY');
    await f.dst.query(`DELETE FROM m WHERE time = ${T + 5n * s}`, `${f.db}_copy`);
    const again = await f.copy('mode: incremental, overlap: 1s');
    expect(again.code).toBe(0);
    expect(again.process.records?.read).toBe(3);
  });

  it('keeps the counts of what was copied when stopped while verifying', async () => {
    const lines: string[] = [];
    for (let t = 0n; t < 60_000n; t++) lines.push(`big,host=h${t % 20n} v=${t}i ${T + t * 1_000_000n}`);
    for (let i = 0; i < lines.length; i += 20_000) await f.src.write(f.db, lines.slice(i, i + 20_000).join('\n'));
    f.ws.write('config/copy.yaml', f.processFile('mode: full, validate_data: checksum'));
    const run = startCli(['--json'], { cwd: f.ws.dir });
    let stderr = '';
    run.child.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => /Verifying 1 measurement/.test(stderr), 60_000, 'the verification to start');
    run.child.kill('SIGTERM');
    const { code, stdout } = await run.done;
    expect(code).toBe(143);
    expect(JSON.parse(stdout).processes[0]).toMatchObject({ status: 'interrupted', records: { read: 60_000, written: 60_000, rejected: 0 }, error: { code: 'E_INTERRUPTED' } });
  });
});

describe('influxdb-copy selections at the edges of time', () => {
  it('copies nothing, and fails nothing, for a selection before 1677 or after 2262', async () => {
    await f.src.write(f.db, `m v=1 ${T}`);
    for (const range of ['start: "1000-01-01T00:00:00Z", end: "1500-01-01T00:00:00Z"', 'start: "2300-01-01T00:00:00Z", end: "2400-01-01T00:00:00Z"', 'start: "1000-01-01T00:00:00Z", end: "2400-01-01T00:00:00Z"']) {
      const { code, process } = await f.copy(`mode: full, ${range}`);
      expect(code, range).toBe(0);
      expect(process.records?.written).toBe(range.includes('1000') && range.includes('2400') ? 1 : 0);
    }
  });

  it('refuses, before connecting, a start or an end that does not exist, naming it', async () => {
    f.ws.write('config/copy.yaml', f.processFile('start: "2026-02-30T00:00:00Z", end: "2026-12-31T23:59:60Z"'));
    const { code, stdout } = await runCli(['--validate-only'], { cwd: f.ws.dir });
    expect(code).toBe(2);
    expect(stdout).toContain('expected "start" to be a time that exists, got "2026-02-30T00:00:00Z"');
    expect(stdout).toContain('expected "end" to be a time that exists, got "2026-12-31T23:59:60Z"');
    expect(stdout).not.toMatch(/at .*\.js:\d+/);
  });
});
