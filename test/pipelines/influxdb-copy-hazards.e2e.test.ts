import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAIN, quote, runCli, runUnderTerminal, startCli, waitFor, EVENT_MS, cliStartMs } from '../helpers/cli.js';
import { Influxd } from '../helpers/influxd.js';
import { CopyFixture } from '../helpers/influx-copy.js';

// What years-old databases hold and tidy test data does not: a field whose type changed from one shard group to
// the next, points at the ends of InfluxDB's time range and gaps of decades, names and strings that are not UTF-8.
const f = new CopyFixture();
beforeAll(() => f.start());
afterAll(() => f.stop());
beforeEach(() => f.next());
afterEach(() => f.done());

const WEEK = 7n * 86_400_000_000_000n;
const T = 1700000000000000000n; // Tuesday 2023-11-14, in the weekly shard group starting Monday 2023-11-13
const MIN = -9223372036854775806n;
const MAX = 9223372036854775806n;
const YEAR = 365n * 86_400_000_000_000n;

describe('influxdb-copy on fields whose type changed between shard groups', () => {
  // v: a float (with a whole 5.0), then a string, a boolean, an integer (beyond 2^53) in later weekly groups.
  const mixed = [
    `mixed,host=a v=1.5 ${T}`,
    `mixed,host=a v=5 ${T + 1n}`,
    `mixed,host=a v="five" ${T + WEEK}`,
    `mixed,host=a v=true ${T + 2n * WEEK}`,
    `mixed,host=a v=9007199254740993i ${T + 3n * WEEK}`,
    `mixed,host=b w=1i,v=-0 ${T + 2n}`,
    `mixed,host=b w="w" ${T + 4n * WEEK}`,
  ];

  it('copies each point with the type it has in its own shard group, and both verifications pass', async () => {
    await f.src.write(f.db, [...mixed, `steady v=1 ${T}`].join('\n'));
    // A window of 60 days would span every group: the copy must still read one group at a time.
    for (const validate of ['true', 'checksum']) {
      const { code, process } = await f.copy(`mode: full, window: 60d, validate_data: ${validate}`);
      expect(code, JSON.stringify(process)).toBe(0);
      expect(process.records).toEqual({ read: 8, written: 8, rejected: 0 });
      expect(process.integrity?.ok).toBe(true);
      expect(await f.dst.dump(`${f.db}_copy`)).toEqual(await f.src.dump(f.db));
    }
    const dump = await f.dst.dump(`${f.db}_copy`);
    expect(dump).toContain(`mixed [host=a] ${T + 1n} v:float=5`);
    expect(dump).toContain(`mixed [host=a] ${T + WEEK} v:string=five`);
    expect(dump).toContain(`mixed [host=a] ${T + 2n * WEEK} v:boolean=true`);
    expect(dump).toContain(`mixed [host=a] ${T + 3n * WEEK} v:integer=9007199254740993`);
    expect(dump).toContain(`mixed [host=b] ${T + 2n} v:float=-0,w:integer=1`);
    const keys = await f.dst.query('SHOW FIELD KEYS FROM mixed', `${f.db}_copy`);
    expect(keys.results[0].series[0].values).toEqual(expect.arrayContaining([['v', 'float'], ['v', 'string'], ['v', 'boolean'], ['v', 'integer'], ['w', 'integer'], ['w', 'string']]));
  });

  it('copies them exactly for a user who is not an admin: the shard groups are computed, not listed', async () => {
    const secured = await Influxd.start({ user: 'admin', password: 'Adm1n-pass-word' });
    try {
      for (const q of ['CREATE DATABASE src', 'CREATE DATABASE dst', "CREATE USER reader WITH PASSWORD 'R3ader-pass-word'", 'GRANT READ ON src TO reader', 'GRANT ALL ON dst TO reader']) await secured.query(q);
      await secured.write('src', mixed.join('\n'));
      const user = 'user: reader, password: "R3ader-pass-word"';
      f.ws.write('config/copy.yaml', `copy:\n  source_server: { url: "${secured.url}", ${user}, database: src }\n  destination_server: { url: "${secured.url}", ${user}, database: dst }\n  backup_config: { mode: full, window: 60d, validate_data: checksum }\n`);
      const { code, stdout, stderr } = await runCli(['--json', '-v'], { cwd: f.ws.dir });
      expect(code, stderr).toBe(0);
      expect(stderr).toContain("The source's user may not run SHOW SHARDS: its shard groups are computed");
      expect(JSON.parse(stdout).processes[0].records).toEqual({ read: 7, written: 7, rejected: 0 });
      expect(await secured.dump('dst')).toEqual(await secured.dump('src'));
    } finally {
      await secured.stop();
    }
  });

  it('fails only the measurement the destination cannot hold, naming the field, the shard group and both types; the rest is copied, verified and counted', async () => {
    await f.src.write(f.db, [...mixed, `steady v=1 ${T}`, `steady v=2 ${T + WEEK}`].join('\n'));
    // The destination already holds v as a string in the first week, where the source has floats.
    await f.dst.query(`CREATE DATABASE ${f.db}_copy`);
    await f.dst.write(`${f.db}_copy`, `mixed,host=z v="there first" ${T + 100n}`);
    const { code, process } = await f.copy('mode: full, retries: 0');
    expect(code).toBe(1);
    expect(process.status).toBe('failed');
    expect(process.error?.code).toBe('E_INFLUX_REJECTED');
    expect(process.error?.message).toMatch(/^1 of 2 measurements were not copied whole: mixed \[autogen\]: in the shard group from 2023-11-13T00:00:00Z to 2023-11-20T00:00:00Z, .*the destination rejected 3 of 3 points: .*field type conflict: input field "v" on measurement "mixed" is type float, already exists as type string/);
    // Every other shard group of mixed, and all of steady, are there.
    expect(process.records).toEqual({ read: 9, written: 6, rejected: 3 });
    expect(process.integrity?.checks).toEqual([
      { name: 'count steady [autogen]', ok: true, expected: 2, actual: 2, missing: 0, extra: 0 },
      expect.objectContaining({ name: 'copy mixed [autogen]', ok: false, detail: expect.stringContaining('field type conflict') }),
    ]);
    const copied = await f.dst.dump(`${f.db}_copy`);
    for (const line of (await f.src.dump(f.db)).filter((l) => !l.startsWith(`mixed [host=a] ${T} `) && !l.startsWith(`mixed [host=a] ${T + 1n} `) && !l.startsWith(`mixed [host=b] ${T + 2n} `))) expect(copied).toContain(line);
  });
});

describe('influxdb-copy across the whole of InfluxDB time', () => {
  it('copies points at both ends of the range, at epoch 0, before 1970 and across a 50-year gap, in seconds and in little memory; later runs go on', async () => {
    const times = [MIN, MIN + 1n, -YEAR * 30n, -1n, 0n, 1n, T, T + 50n * YEAR, MAX - 1n, MAX];
    await f.src.write(f.db, times.map((t, i) => `edge,dev=d${i % 3} v=${i}i,s="${i}" ${t}`).join('\n'));
    const started = Date.now();
    const first = await f.copy('mode: incremental, validate_data: checksum', ['-v']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.process.records).toEqual({ read: times.length, written: times.length, rejected: 0 });
    expect(first.process.integrity?.ok).toBe(true);
    // A window per 6 hours over 584 years would be 850,000 queries; probing from point to point is a few dozen.
    expect(Date.now() - started).toBeLessThan(30_000 + 2 * (await cliStartMs()));
    expect(f.peakMemoryMb()).toBeLessThan(200);
    expect(await f.dst.dump(`${f.db}_copy`)).toEqual(await f.src.dump(f.db));

    // The next run starts from the checkpoint: a point written now and one in 2100 are copied across the gap.
    const now = BigInt(Date.now()) * 1_000_000n;
    await f.src.write(f.db, `edge,dev=d0 v=100i ${now}\nedge,dev=d1 v=101i ${T + 77n * YEAR}`);
    const second = await f.copy('mode: incremental, validate_data: checksum');
    expect(second.code).toBe(0);
    expect(second.process.records!.read).toBeLessThan(times.length);
    expect(await f.dst.dump(`${f.db}_copy`)).toEqual(await f.src.dump(f.db));
  });

  it('stops within the grace period on SIGTERM while it walks a sparse century, and the next run completes the copy', async () => {
    // A point every 3 weeks for 17 years: 300 shard groups, each a window and a few probes.
    const lines: string[] = [];
    for (let i = 0n; i < 300n; i++) lines.push(`sparse,host=h${i % 7n} v=${i}i ${T - 20n * YEAR + i * 3n * WEEK}`);
    await f.src.write(f.db, lines.join('\n'));
    f.ws.write('config/copy.yaml', f.processFile('mode: incremental, window: 1h, read_concurrency: 1, write_concurrency: 1'));
    const run = startCli(['--json'], { cwd: f.ws.dir });
    let stderr = '';
    run.child.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => /Copying 1 measurement/.test(stderr), EVENT_MS, 'the copy to start');
    const signalled = Date.now();
    run.child.kill('SIGTERM');
    const stopped = await run.done;
    expect(stopped.code).toBe(143);
    expect(JSON.parse(stopped.stdout).processes[0]).toMatchObject({ status: 'interrupted', error: { code: 'E_INTERRUPTED' } });
    // main gives a child 10 s after SIGTERM before it kills it, and says so when it had to.
    expect(JSON.parse(stopped.stdout).processes[0].error.message).not.toMatch(/did not stop within the grace period/);
    expect(Date.now() - signalled).toBeLessThan(10_000 + (await cliStartMs()));
    const resumed = await f.copy('mode: incremental, window: 1h');
    expect(resumed.code).toBe(0);
    expect(await f.dst.dump(`${f.db}_copy`)).toEqual(await f.src.dump(f.db));
  });
});

describe('influxdb-copy verification', () => {
  it('shows a "verifying" stage with a total and a bar on a terminal', async () => {
    const lines: string[] = [];
    for (let t = 0n; t < 40_000n; t++) lines.push(`big,host=h${t % 20n} v=${t}i,s="${t}" ${T + t * 1_000_000n}`);
    for (let i = 0; i < lines.length; i += 10_000) await f.src.write(f.db, lines.slice(i, i + 10_000).join('\n'));
    f.ws.write('config/copy.yaml', f.processFile('mode: full, validate_data: checksum'));
    const { code, screen } = await runUnderTerminal(`${quote(process.execPath)} ${quote(MAIN)}`, f.ws.dir);
    expect(code, screen).toBe(0);
    // Both sides are read: 80,000 points in all, counted as they are hashed.
    expect(screen).toMatch(/copy {2}\[[#.]+\] {2} *[\d,]+\/80,000 points {2}\d+:\d\d {2}verifying/);
  });

  it('tells apart the same counts in another series, and a string whose bytes changed on the way', async () => {
    const { verifyItem } = await import('../../src/pipelines/influxdb-copy/verify.js');
    const { InfluxServer } = await import('../../src/pipelines/influxdb-copy/server.js');
    const { Name } = await import('../../src/pipelines/influxdb-copy/names.js');
    const { computedLayout } = await import('../../src/pipelines/influxdb-copy/shards.js');
    const other = `${f.db}_other`;
    await f.dst.query(`CREATE DATABASE ${other}`);
    // The source has host=\xff; the "copy" has host=\xc3\xbf (what a Latin-1 reading makes of it): same counts.
    await f.src.writeBytes(f.db, Buffer.from(`m,host=\xff v=1i,s="\xff" ${T}`, 'latin1'));
    await f.dst.writeBytes(other, Buffer.from(`m,host=\xc3\xbf v=1i,s="\xc3\xbf" ${T}`, 'latin1'));
    const options = { timeoutMs: 10_000, retries: 0, signal: new AbortController().signal };
    const src = new InfluxServer('source', { url: f.src.url, database: f.db, tls_verify: true }, options);
    const dst = new InfluxServer('destination', { url: f.dst.url, database: other, tls_verify: true }, options);
    const layout = computedLayout(WEEK);
    try {
      const range = { rp: 'autogen', measurement: Name.of('m'), from: T, to: T + 1n };
      const count = await verifyItem(src, dst, range, [layout, layout], 'count', 1000, () => {});
      expect(count).toMatchObject({ ok: false, expected: 2, actual: 2, missing: 0, extra: 0, detail: expect.stringMatching(/same counts .* but not in the same series/) });
      const checksum = await verifyItem(src, dst, range, [layout, layout], 'checksum', 1000, () => {});
      expect(checksum).toMatchObject({ ok: false, detail: expect.stringMatching(/the points .* differ/) });
      const same = await verifyItem(src, src, range, [layout, layout], 'checksum', 1000, () => {});
      expect(same.ok).toBe(true);
    } finally {
      src.close();
      dst.close();
    }
  });
});

describe('influxdb-copy with many requests at once', () => {
  it('adds no abort listener per request: no MaxListenersExceededWarning in the child\'s stderr', async () => {
    const lines: string[] = [];
    for (let m = 0; m < 30; m++) for (let t = 0n; t < 200n; t++) lines.push(`m${m},host=h${t % 5n} v=${t}i ${T + t * 1_000_000n}`);
    await f.src.write(f.db, lines.join('\n'));
    const { code, process, stderr } = await f.copy('mode: full, page_size: 20, window: 50ms, write_concurrency: 32, read_concurrency: 16');
    expect(code).toBe(0);
    expect(process.records?.written).toBe(6000);
    expect(stderr).not.toMatch(/MaxListenersExceededWarning|memory leak/);
  });
});

describe('influxdb-copy on names and strings that are not UTF-8', () => {
  it('copies them byte for byte and lists every measurement it was given, verified by a checksum of the bytes', async () => {
    const lines = [
      'bad\xffname,host=a v=1 1700000000000000000',
      'tags,t\xfe=v\xfd v=1 1700000000000000000',
      'tags,t=\xc3\xbf v=2 1700000000000000000',
      'fields f\xfc=1i,s="s\xfb \xe2\x82" 1700000000000000000',
      'ok v=1 1700000000000000000',
    ];
    // InfluxDB 1.6 refuses a new field of a measurement whose name is not UTF-8 once, then takes it: a real server's
    // quirk, which the copy meets too (it retries a 5xx).
    for (const line of lines) await f.src.writeBytes(f.db, Buffer.from(line, 'latin1'));
    const source = await f.src.dump(f.db);
    expect(source).toContain('bad\\xffname [host=a] 1700000000000000000 v:float=1');
    expect(source).toContain('fields [] 1700000000000000000 f\\xfc:integer=1,s:string=s\\xfb \\xe2\\x82');
    const { code, process } = await f.copy('mode: full, validate_data: checksum');
    expect(code, JSON.stringify(process.error)).toBe(0);
    expect(process.records?.written).toBe(5);
    expect(process.integrity?.checks.map((c) => c.name)).toEqual(['checksum bad\\xffname [autogen]', 'checksum fields [autogen]', 'checksum ok [autogen]', 'checksum tags [autogen]']);
    expect(await f.dst.dump(`${f.db}_copy`)).toEqual(source);
  });
});
