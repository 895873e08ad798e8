import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { runCli, startCli, waitFor, Workspace, EVENT_MS } from '../helpers/cli.js';
import { FlakyProxy } from '../helpers/flaky-proxy.js';
import { CopyFixture } from '../helpers/influx-copy.js';
import { Influxd } from '../helpers/influxd.js';

const f = new CopyFixture();
let src: Influxd;
let dst: Influxd;
let ws: Workspace;
let db = '';

beforeAll(async () => {
  await f.start();
  ({ src, dst } = f);
});
afterAll(() => f.stop());
beforeEach(async () => {
  await f.next();
  ({ ws, db } = f);
});
afterEach(() => f.done());

const processFile = (backupConfig: string) => f.processFile(backupConfig);
const copy = (backupConfig = 'mode: full', args: string[] = []) => f.copy(backupConfig, args);

// Points that JSON, naive escaping or page-based copying would get wrong.
const TRICKY = [
  'cpu,host=a value=5,count=9007199254740993i,neg=-9223372036854775808i,on=true 1700000000000000000',
  'cpu,host=a value=5.5,count=1i,on=false 1700000000000000001',
  'cpu value=0.1 1700000000000000002',
  'cpu,host=b,region=eu value=1e-300 1700000000000000003',
  'my\\ measure\\,ment,tag\\ key=va\\,l\\=ue\\ x text="she said \\"hi\\" \\\\ bye" 1700000000000000000',
  'my\\ measure\\,ment,tag\\ key=b text="" 1700000000000000001',
  'my\\ measure\\,ment,tag\\ key=c text="multi\nline ünïcødé 🚀" 1700000000000000002',
  'sparse a=1i 1700000000000000000',
  'sparse b="x" 1700000000000000001',
  'sparse a=2i,c=true 1700000000000000002',
  'back\\slash\\m,t=x v=-0 1700000000000000000',
].join('\n');

describe('influxdb-copy', () => {
  it('copies exactly: series, nanosecond timestamps, values and field types, whatever the names hold', async () => {
    await src.write(db, TRICKY);
    const { code, process } = await copy('mode: full, validate_data: true');
    expect(code).toBe(0);
    expect(process.status).toBe('success');
    expect(await dst.dump(`${db}_copy`)).toEqual(await src.dump(db));
    expect(await dst.fieldKeys(`${db}_copy`, 'cpu')).toEqual([['count', 'integer'], ['neg', 'integer'], ['on', 'boolean'], ['value', 'float']]);
    expect(process.records).toEqual({ read: 11, written: 11, rejected: 0 });
    expect(process.integrity?.ok).toBe(true);
    expect(process.integrity?.checks.map((c) => c.name)).toEqual(['count back\\slash\\m [autogen]', 'count cpu [autogen]', 'count my measure,ment [autogen]', 'count sparse [autogen]']);
    expect(process.integrity?.checks[1]).toMatchObject({ ok: true, expected: 9, actual: 9, missing: 0, extra: 0 });
  });

  it('passes the checksum verification on an exact copy', async () => {
    await src.write(db, TRICKY);
    const { process } = await copy('mode: full, validate_data: checksum');
    expect(process.status).toBe('success');
    expect(process.integrity?.checks).toHaveLength(4);
    for (const check of process.integrity!.checks) expect(check.expected).toBe(check.actual);
  });

  it('creates every retention policy on the destination with its duration, shard duration and default flag', async () => {
    await src.query(`CREATE RETENTION POLICY "ten_years" ON ${db} DURATION 520w REPLICATION 1 SHARD DURATION 4w DEFAULT`, db);
    await src.write(db, 'm v=1 1700000000000000000\nm v=2 1700000000000000001', 'ten_years');
    await src.write(db, 'm v=3 1700000000000000000', 'autogen');
    const { code, process } = await copy('mode: full');
    expect(code).toBe(0);
    const rps = (await dst.query(`SHOW RETENTION POLICIES ON ${db}_copy`)).results[0].series[0].values;
    expect(rps).toContainEqual(['ten_years', '87360h0m0s', '672h0m0s', 1, true]);
    expect(await dst.dump(`${db}_copy`, 'ten_years')).toEqual(await src.dump(db, 'ten_years'));
    expect(await dst.dump(`${db}_copy`, 'autogen')).toEqual(await src.dump(db, 'autogen'));
    expect(process.records?.written).toBe(3);
  });

  it('copies a measurement many times larger than page_size, with many series on the same timestamps, without losing or doubling a point', async () => {
    const lines: string[] = [];
    for (let t = 0; t < 40; t++) for (let s = 0; s < 50; s++) lines.push(`load,host=h${s} v=${t * 100 + s}i ${1700000000000000000n + BigInt(t)}`);
    await src.write(db, lines.join('\n'));
    const { process } = await copy('mode: full, page_size: 7, window: 13ns, validate_data: true');
    expect(process.status).toBe('success');
    expect(process.records).toEqual({ read: 2000, written: 2000, rejected: 0 });
    expect(await dst.dump(`${db}_copy`)).toEqual(await src.dump(db));
  });

  it('copies incrementally from the checkpoint, re-reading the overlap for late points', async () => {
    const base = 1700000000000000000n;
    const second = 1_000_000_000n;
    await src.write(db, [0, 10, 20].map((s) => `m v=${s}i ${base + BigInt(s) * second}`).join('\n'));
    const first = await copy('mode: incremental, overlap: 5s');
    expect(first.process.records?.written).toBe(3);
    // A new point, and a late one inside the overlap before the checkpoint (at 20 s + 1 ns).
    await src.write(db, `m v=30i ${base + 30n * second}\nm v=17i ${base + 17n * second}`);
    const second_ = await copy('mode: incremental, overlap: 5s');
    expect(second_.process.status).toBe('success');
    expect(second_.process.records?.read).toBe(3); // 17 s, 20 s and 30 s: from the checkpoint minus 5 s
    expect(await dst.dump(`${db}_copy`)).toEqual(await src.dump(db));
  });

  it('fails with the count and the reason when the destination rejects points, and counts them as rejected, not written', async () => {
    await src.write(db, 'm v=1 1700000000000000000\nm v=2 1700000000000000001');
    await dst.query(`CREATE DATABASE ${db}_copy`);
    // Field types are kept per shard: the conflicting point must share the shard of the copied ones.
    await dst.write(`${db}_copy`, 'm v="text" 1700000000000000005');
    const { code, process } = await copy('mode: full, retries: 0');
    expect(code).toBe(1);
    expect(process.status).toBe('failed');
    expect(process.error?.code).toBe('E_INFLUX_REJECTED');
    expect(process.error?.message).toMatch(/the destination rejected 2 of 2 points: .*field type conflict/);
    expect(process.records).toEqual({ read: 2, written: 0, rejected: 2 });
  });

  it('fails when points fall beyond the destination retention policy', async () => {
    await src.write(db, 'm v=1 1000000000000000000');
    await dst.query(`CREATE DATABASE ${db}_copy`);
    await dst.query(`ALTER RETENTION POLICY autogen ON ${db}_copy DURATION 1h SHARD DURATION 1h`, `${db}_copy`);
    const { code, process } = await copy('mode: full, retries: 0');
    expect(code).toBe(1);
    expect(process.error?.message).toMatch(/the destination rejected 1 of 1 points: .*points beyond retention policy/);
  });

  it('fails the process when the verification finds points the source does not have', async () => {
    await src.write(db, 'm v=1 1700000000000000000\nm v=2 1700000000000000002');
    await dst.query(`CREATE DATABASE ${db}_copy`);
    await dst.write(`${db}_copy`, 'm v=9 1700000000000000001');
    const { code, process } = await copy('mode: full');
    expect(code).toBe(1);
    expect(process.integrity).toMatchObject({ ok: false, checks: [{ name: 'count m [autogen]', ok: false, expected: 2, actual: 3, missing: 0, extra: 1 }] });
    expect(process.error?.code).toBe('E_INTEGRITY');
  });

  it('loses nothing when its child is killed with SIGKILL mid-copy: the next run completes the copy exactly', async () => {
    const lines: string[] = [];
    for (let t = 0; t < 3000; t++) for (let s = 0; s < 20; s++) lines.push(`big,host=h${s} v=${t}i,f=${t / 7} ${1700000000000000000n + BigInt(t) * 1_000_000n}`);
    for (let i = 0; i < lines.length; i += 20_000) await src.write(db, lines.slice(i, i + 20_000).join('\n'));
    ws.write('config/copy.yaml', processFile('mode: incremental, overlap: 1ms, page_size: 50, window: 100ms, write_concurrency: 1, read_concurrency: 1'));
    const run = startCli(['--json', '-v'], { cwd: ws.dir });
    let stderr = '';
    run.child.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => /Started\./.test(stderr), EVENT_MS, 'the copy to start');
    const written = () => copiedSoFar('big');
    const deadline = Date.now() + 30_000;
    while ((await written()) < 3000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const child = await childOf(run.child.pid!);
    process.kill(child, 'SIGKILL');
    const killed = await run.done;
    expect(killed.code).toBe(1);
    const partial = await written();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(60_000);
    expect(JSON.parse(killed.stdout).processes[0].error.code).toBe('E_CHILD_DIED');

    const resumed = await runCli(['--json'], { cwd: ws.dir });
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.stdout) as RunSummary;
    expect(summary.processes[0]!.records!.read).toBeLessThan(60_000); // it resumed, it did not start over
    expect(await dst.dump(`${db}_copy`)).toEqual(await src.dump(db));
  });

  it('stops cleanly on SIGTERM to main mid-copy (interrupted, exit 143), and the next run completes the copy exactly', async () => {
    const lines: string[] = [];
    for (let t = 0; t < 2000; t++) for (let s = 0; s < 20; s++) lines.push(`stop,host=h${s} v=${t}i ${1700000000000000000n + BigInt(t) * 1_000_000n}`);
    for (let i = 0; i < lines.length; i += 20_000) await src.write(db, lines.slice(i, i + 20_000).join('\n'));
    ws.write('config/copy.yaml', processFile('mode: incremental, overlap: 1ms, page_size: 50, window: 100ms, write_concurrency: 1, read_concurrency: 1'));
    const run = startCli(['--json'], { cwd: ws.dir });
    const written = () => copiedSoFar('stop');
    const deadline = Date.now() + 30_000;
    while ((await written()) < 2000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    run.child.kill('SIGTERM');
    const stopped = await run.done;
    expect(stopped.code).toBe(143);
    expect(JSON.parse(stopped.stdout).processes[0]).toMatchObject({ status: 'interrupted', error: { code: 'E_INTERRUPTED' } });
    expect(await written()).toBeLessThan(40_000);

    const resumed = await runCli(['--json'], { cwd: ws.dir });
    expect(resumed.code).toBe(0);
    expect(await dst.dump(`${db}_copy`)).toEqual(await src.dump(db));
  });

  it('names a measurement called "#…" as not copied (line protocol reads it as a comment), and copies the others', async () => {
    await src.write(db, 'm v=1 1700000000000000000');
    await src.query(`SELECT v INTO "#hidden" FROM m`, db);
    const hidden = await copy('mode: full, retries: 0');
    expect(hidden.code).toBe(1);
    expect(hidden.process.error?.code).toBe('E_INFLUX_REJECTED');
    expect(hidden.process.error?.message).toMatch(/1 of 2 measurements were not copied whole: #hidden \[autogen\]: measurement "#hidden" cannot be written in line protocol/);
    expect(hidden.process.records).toEqual({ read: 1, written: 1, rejected: 0 });
    expect(hidden.process.integrity?.checks).toEqual([
      { name: 'count m [autogen]', ok: true, expected: 1, actual: 1, missing: 0, extra: 0 },
      expect.objectContaining({ name: 'copy #hidden [autogen]', ok: false }),
    ]);
    expect(await dst.dump(`${db}_copy`)).toEqual([`m [] 1700000000000000000 v:float=1`]);
    const excluded = await copy('mode: full, retries: 0, exclude_measurements: ["#*"]');
    expect(excluded.process.status).toBe('success');
  });

  it('never moves the checkpoint past the start of the run: a point dated in the future does not hide later ones', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const hour = 3_600_000_000_000n;
    await src.write(db, `m v=1i ${now - 2n * hour}\nm v=2i ${now + 24n * 365n * hour}`);
    expect((await copy('mode: incremental, overlap: 1s, window: 1h')).process.status).toBe('success');
    await src.write(db, `m v=3i ${BigInt(Date.now()) * 1_000_000n}`); // written after the first run, dated now
    const second = await copy('mode: incremental, overlap: 1s, window: 1h');
    expect(second.process.status).toBe('success');
    expect(await dst.dump(`${db}_copy`)).toEqual(await src.dump(db));
  });

  it('copies only what the selection names: measurement globs, exclusions, retention policies, start and end', async () => {
    await src.query(`CREATE RETENTION POLICY "other" ON ${db} DURATION 0s REPLICATION 1`, db);
    const t = (s: number) => `${1700000000000000000n + BigInt(s) * 1_000_000_000n}`;
    await src.write(db, [`cpu_total v=1 ${t(0)}`, `cpu_total v=2 ${t(10)}`, `cpu_total v=3 ${t(20)}`, `cpu_tmp v=1 ${t(10)}`, `disk v=1 ${t(10)}`].join('\n'));
    await src.write(db, `cpu_total v=9 ${t(10)}`, 'other');
    const { process } = await copy('mode: full, measurements: ["cpu*"], exclude_measurements: ["*_tmp"], retention_policies: [autogen], start: "2023-11-14T22:13:25Z", end: "2023-11-14T22:13:40Z"');
    expect(process.status).toBe('success');
    expect(process.records?.written).toBe(1);
    expect(await dst.dump(`${db}_copy`)).toEqual([`cpu_total [] ${t(10)} v:float=2`]);
  });

  it('survives network faults in the middle of a response: the window is read again and the copy is exact', async () => {
    const lines: string[] = [];
    for (let t = 0; t < 500; t++) for (let s = 0; s < 10; s++) lines.push(`flaky,host=h${s} v=${t}i ${1700000000000000000n + BigInt(t) * 1000n}`);
    await src.write(db, lines.join('\n'));
    const proxy = await FlakyProxy.start(src.url, { breaks: 2, afterBytes: 20_000 });
    try {
      ws.write('config/copy.yaml', `copy:\n  source_server: { url: "${proxy.url}", database: ${db} }\n  destination_server: { url: "${dst.url}", database: ${db}_copy }\n  backup_config: { mode: full, page_size: 100, retries: 3 }\n`);
      const { code, stdout, stderr } = await runCli(['--json'], { cwd: ws.dir });
      expect(proxy.broken).toBe(2);
      expect(code).toBe(0);
      expect(stderr).toMatch(/Retrying|again \(attempt 1\)/);
      expect(JSON.parse(stdout).processes[0].records).toEqual({ read: 5000, written: 5000, rejected: 0 });
      expect(await dst.dump(`${db}_copy`)).toEqual(await src.dump(db));
    } finally {
      await proxy.stop();
    }
  });

  it('reports an unreachable server after its retries, naming it', async () => {
    await src.write(db, 'm v=1 1');
    ws.write('config/copy.yaml', `copy:\n  source_server: { url: "${src.url}", database: ${db} }\n  destination_server: { url: "http://127.0.0.1:9", database: x }\n  backup_config: { retries: 1, timeout: 2 }\n`);
    const { code, stdout } = await runCli(['--json'], { cwd: ws.dir });
    expect(code).toBe(1);
    expect(JSON.parse(stdout).processes[0].error).toMatchObject({ code: 'E_INFLUX_REQUEST', message: expect.stringMatching(/^destination http:\/\/127\.0\.0\.1:9: connect ECONNREFUSED 127\.0\.0\.1:9/) });
  });

  it('refuses, before connecting, a destination that is the source itself and an end before the start', async () => {
    ws.write(
      'config/copy.yaml',
      `copy:\n  source_server: { url: "${src.url}", database: a }\n  destination_server: { url: "${src.url}/", database: a }\n  backup_config: { start: "2026-02-01T00:00:00Z", end: "2026-01-01T00:00:00Z" }\n`,
    );
    const { code, stdout } = await runCli(['--validate-only'], { cwd: ws.dir });
    expect(code).toBe(2);
    expect(stdout).toContain(`process "copy": the destination is the source itself (${src.url}, database "a")`);
    expect(stdout).toContain('process "copy": expected "end" to come after "start" (2026-02-01T00:00:00Z), got "2026-01-01T00:00:00Z"');
  });
});

describe('influxdb-copy with authentication', () => {
  let secured: Influxd;
  beforeAll(async () => {
    secured = await Influxd.start({ user: 'admin', password: 'S3cure-Influx-Pw' });
  });
  afterAll(async () => secured?.stop());

  it('authenticates with the user and password of the process, and never shows the password', async () => {
    const w = new Workspace();
    try {
      await secured.query('CREATE DATABASE authdb');
      await secured.write('authdb', 'm v=1i 1700000000000000000');
      const file = (pw: string) => `copy:\n  source_server: { url: "${secured.url}", user: admin, password: "${pw}", database: authdb }\n  destination_server: { url: "${secured.url}", user: admin, password: "${pw}", database: authdb_copy }\n  backup_config: { retries: 0 }\n`;
      w.write('config/copy.yaml', file('${INFLUX_PASSWORD}'));
      const ok = await runCli(['--json'], { cwd: w.dir, env: { INFLUX_PASSWORD: 'S3cure-Influx-Pw' } });
      expect(ok.code).toBe(0);
      expect(await secured.dump('authdb_copy')).toEqual(await secured.dump('authdb'));
      w.write('config/copy.yaml', file('wrong-password'));
      const denied = await runCli(['--json'], { cwd: w.dir });
      expect(denied.code).toBe(1);
      // InfluxDB's own words, decoded from its msgpack answer: not its bytes.
      expect(JSON.parse(denied.stdout).processes[0].error.message).toMatch(/answered 401: authorization failed$/);
      expect(ok.stdout + ok.stderr + denied.stdout + denied.stderr + w.readAll('data')).not.toContain('S3cure-Influx-Pw');
    } finally {
      w.remove();
    }
  });
});

// Points of field v the destination holds so far (0 while it has no database yet): to stop a copy midway.
async function copiedSoFar(measurement: string): Promise<number> {
  const body = await dst.query(`SELECT count(v) FROM ${measurement}`, `${db}_copy`).catch(() => null);
  return Number(body?.results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? 0);
}

async function childOf(pid: number): Promise<number> {
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n');
  return Number(out[0]);
}
