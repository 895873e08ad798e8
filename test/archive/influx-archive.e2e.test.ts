import { readdirSync, readFileSync, truncateSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/archive/manifest.js';
import type { RunSummary } from '../../src/core/result.js';
import { runCli, Workspace } from '../helpers/cli.js';
import { Influxd } from '../helpers/influxd.js';
import { S3Server } from '../helpers/s3-server.js';

// An archive made by the real CLI from a real influxd, proven by `main check`, and brought back by `main restore` into
// another influxd, compared point by point with the source by the tests' own reader (influx-dump.ts).
let src: Influxd;
let fresh: Influxd;
let s3: S3Server;
let ws: Workspace;
let n = 0;
let db = '';
beforeAll(async () => {
  [src, fresh, s3] = await Promise.all([Influxd.start(), Influxd.start(), S3Server.start(['backups'])]);
});
afterAll(async () => {
  await Promise.all([src?.stop(), fresh?.stop(), s3?.stop()]);
});
beforeEach(async () => {
  ws = new Workspace();
  db = `db${++n}`;
  await src.query(`CREATE DATABASE ${db}`);
});
afterEach(() => ws.remove());

const WEEK = 7n * 86_400_000_000_000n;
const YEAR = 365n * 86_400_000_000_000n;
const T = 1700000000000000000n; // Tuesday 2023-11-14
const MIN = -9223372036854775806n;
const MAX = 9223372036854775806n;

// The copy's hazards: a field whose type changes between shard groups (a whole float, a string, a boolean, an
// integer above 2^53), the ends of InfluxDB's time range, escaping in every place, strings with line breaks.
const HAZARDS = [
  `mixed,host=a v=1.5 ${T}`,
  `mixed,host=a v=5 ${T + 1n}`,
  `mixed,host=a v="five" ${T + WEEK}`,
  `mixed,host=a v=true ${T + 2n * WEEK}`,
  `mixed,host=a v=9007199254740993i ${T + 3n * WEEK}`,
  `mixed,host=b w=1i,v=-0 ${T + 2n}`,
  `edge,dev=a v=1i,s="min" ${MIN}`,
  `edge,dev=a v=2i,s="max" ${MAX}`,
  `edge,dev=b v=3i ${-YEAR * 30n}`,
  `edge,dev=b v=4i ${0n}`,
  `edge,dev=b v=9223372036854775807i,w=-9223372036854775807i ${T + 3n}`,
  `we\\ ird\\,name,tag\\ key=tag\\,val\\=ue,t2=x\\"y field\\ key="a \\"quoted\\" \\\\ string",f\\=k=1 ${T}`,
  `strs s="line one\nline two",e="",u="ñ €😀" ${T}`,
  `strs s="ends with a backslash \\\\" ${T + 1n}`,
];
const NOT_UTF8 = ['bad\xffname,host=a v=1 1700000000000000000', 'tags,t\xfe=v\xfd v=1 1700000000000000000', 'fields f\xfc=1i,s="s\xfb \xe2\x82" 1700000000000000000'];

async function seed(): Promise<void> {
  await src.query(`CREATE RETENTION POLICY "long" ON ${db} DURATION 5200w REPLICATION 1 SHARD DURATION 4w`);
  await src.write(db, HAZARDS.join('\n'));
  for (const line of NOT_UTF8) await src.writeBytes(db, Buffer.from(line, 'latin1'));
  await src.write(db, `kept,host=a v=1i ${T}\nkept,host=b v=2.5 ${T + 5n * WEEK}`, 'long');
}

function archiveProcess(destination: string, backupConfig = 'mode: full, validate_data: checksum'): void {
  ws.write('config/archive.yaml', `nightly:\n  source_server: { url: "${src.url}", database: ${db} }\n  destination_archive: ${destination}\n  backup_config: { ${backupConfig} }\n`);
}

async function archive(): Promise<RunSummary['processes'][number]> {
  const { code, stdout, stderr } = await runCli(['--json'], { cwd: ws.dir });
  if (!stdout.startsWith('{')) throw new Error(`main printed no summary (exit ${code}):\n${stderr}`);
  const process = (JSON.parse(stdout) as RunSummary).processes[0]!;
  expect(code, JSON.stringify(process.error) + stderr).toBe(0);
  return process;
}

const archivesIn = (dir: string) => readdirSync(join(ws.dir, dir)).sort();
const manifestOf = (dir: string, id: string) => JSON.parse(readFileSync(join(ws.dir, dir, id, 'manifest.json'), 'utf8')) as Manifest;
const s3Env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

describe('an influxdb-copy archive in a local folder', () => {
  it('round-trips every hazard of the copy through an archive and a restore into a fresh influxd, point by point', async () => {
    await seed();
    archiveProcess('{ path: archives }');
    const run = await archive();
    expect(run.records).toEqual({ read: 19, written: 19, rejected: 0 });
    expect(run.integrity?.ok).toBe(true);
    const [id] = archivesIn('archives');
    const manifest = manifestOf('archives', id!);
    expect(manifest).toMatchObject({ id, parent: null, mode: 'full', compression: 'zstd', checksum_algorithm: 'sum64-sha256', points: 19, source: { database: db } });
    expect(manifest.databases[0]!.retention_policies).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'long', duration: '873600h0m0s', shard_duration: '672h0m0s' })]));
    // One object per shard group of `mixed`, each with the field's type there.
    const mixed = manifest.objects.filter((o) => o.measurement === 'mixed');
    expect(mixed.map((o) => o.fields.v)).toEqual([['float'], ['string'], ['boolean'], ['integer']]);
    expect(manifest.time_range).toMatchObject({ from: String(MIN), to: String(MAX) });

    const check = await runCli(['check', 'archives', '--read-data'], { cwd: ws.dir });
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain('all well');

    const restored = await runCli(['restore', 'archives', '--to', fresh.url, '--database', `${db}_back`], { cwd: ws.dir });
    expect(restored.code, restored.stderr + restored.stdout).toBe(0);
    expect(restored.stdout).toContain('the server holds exactly what the archive does');
    for (const rp of ['autogen', 'long']) expect(await fresh.dump(`${db}_back`, rp)).toEqual(await src.dump(db, rp));
    const back = await fresh.dump(`${db}_back`);
    for (const point of [`mixed [host=a] ${T + 1n} v:float=5`, `mixed [host=a] ${T + WEEK} v:string=five`, `mixed [host=a] ${T + 3n * WEEK} v:integer=9007199254740993`, `edge [dev=a] ${MIN} s:string=min,v:integer=1`, `edge [dev=b] ${T + 3n} v:integer=9223372036854775807,w:integer=-9223372036854775807`, 'bad\\xffname [host=a] 1700000000000000000 v:float=1', `strs [] ${T} e:string=,s:string=line one\\x0aline two`]) {
      expect(back.some((line) => line.startsWith(point)), `${point}\n${back.join('\n')}`).toBe(true);
    }
    // The last nanosecond InfluxDB keeps, which the dump's reader does not reach (SHOW SHARDS rounds the last group).
    const last = await fresh.query(`SELECT count(v), last(s) FROM edge WHERE time >= ${MAX - 1000n}`, `${db}_back`);
    expect(last.results[0].series[0].values[0].slice(1)).toEqual([1, 'max']);
    const rps = (await fresh.query(`SHOW RETENTION POLICIES ON ${db}_back`)).results[0].series[0].values;
    expect(rps).toEqual(expect.arrayContaining([['long', '873600h0m0s', '672h0m0s', 1, false]]));
  });

  it('is caught by check --read-data when an object is damaged in place, by check when one is cut short, and refused by restore without its manifest', async () => {
    await src.write(db, Array.from({ length: 2000 }, (_, i) => `cpu,host=h${i % 7} v=${i}i,s="${'x'.repeat(i % 50)}" ${T + BigInt(i) * 1_000_000_000n}`).join('\n'));
    archiveProcess('{ path: archives }');
    await archive();
    const [id] = archivesIn('archives');
    const [object] = manifestOf('archives', id!).objects;
    const file = join(ws.dir, 'archives', object!.key);
    const bytes = readFileSync(file);
    // The same size, other bytes in the middle: only reading the data finds it.
    const damaged = Buffer.from(bytes);
    for (let i = 100; i < 140; i++) damaged[i] = damaged[i]! ^ 0x5a;
    writeFileSync(file, damaged);
    expect((await runCli(['check', 'archives'], { cwd: ws.dir })).code).toBe(0);
    const read = await runCli(['check', 'archives', '--read-data'], { cwd: ws.dir });
    expect(read.code).toBe(1);
    expect(read.stderr).toContain(`main: check: archive ${id}, object ${object!.key}: `);

    truncateSync(file, bytes.length - 10);
    const cut = await runCli(['check', join('archives', id!)], { cwd: ws.dir });
    expect(cut.code).toBe(1);
    expect(cut.stderr).toContain(`object ${object!.key}: ${bytes.length - 10} bytes, the manifest says ${bytes.length}`);

    rmSync(join(ws.dir, 'archives', id!, 'manifest.json'));
    for (const named of ['archives', join('archives', id!)]) {
      const refused = await runCli(['restore', named, '--to', fresh.url], { cwd: ws.dir });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/incomplete/);
    }
    expect(((await fresh.query('SHOW DATABASES')).results[0].series?.[0]?.values ?? []).flat()).not.toContain(db);
  });
});

describe('an incremental archive chain on S3', () => {
  it('holds what is new since its parent, names it, and restores the chain (or an earlier archive, --as-of) exactly', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    await src.write(db, Array.from({ length: 300 }, (_, i) => `load,host=h${i % 3} v=${i}i ${now - 3n * 3_600_000_000_000n + BigInt(i) * 1_000_000_000n}`).join('\n'));
    archiveProcess(`{ s3: { bucket: backups, prefix: "influx/${db}", region: us-east-1, endpoint: "${s3.endpoint}", force_path_style: true, credentials: { access_key_id: S3RVER, secret_access_key: S3RVER } } }`, 'mode: incremental, overlap: 1m');
    const first = await archive();
    expect(first.records?.written).toBe(300);
    const firstDump = await src.dump(db);
    // New points since, one of them older than the first archive's end (late, but within the overlap).
    await src.write(db, [`load,host=h9 v=1000i ${now - 30_000_000_000n}`, ...Array.from({ length: 50 }, (_, i) => `load,host=h4 v=${i}i ${now + BigInt(i) * 1_000_000n}`)].join('\n'));
    const second = await archive();
    expect(second.records!.written).toBeLessThan(300);
    expect(second.records!.written).toBeGreaterThanOrEqual(51);

    const list = await runCli(['check', `s3://backups/influx/${db}`, '--endpoint', s3.endpoint, '--read-data', '--json'], { cwd: ws.dir, env: s3Env });
    expect(list.code, list.stderr).toBe(0);
    const archives = JSON.parse(list.stdout).archives as Array<{ id: string; parent: string | null; mode: string }>;
    expect(archives.map((a) => a.mode)).toEqual(['full', 'incremental']);
    expect(archives[1]!.parent).toBe(archives[0]!.id);

    const whole = await runCli(['restore', `s3://backups/influx/${db}`, '--endpoint', s3.endpoint, '--to', fresh.url, '--database', `${db}_chain`], { cwd: ws.dir, env: s3Env });
    expect(whole.code, whole.stderr + whole.stdout).toBe(0);
    expect(whole.stdout).toContain(`${archives[0]!.id} (full) ← ${archives[1]!.id} (incremental)`);
    expect(await fresh.dump(`${db}_chain`)).toEqual(await src.dump(db));

    // A server that already holds another point in that range is not what the archive holds: said, exit 1.
    await fresh.query(`CREATE DATABASE ${db}_busy`);
    await fresh.write(`${db}_busy`, `load,host=h0 v=-1i ${now - 3n * 3_600_000_000_000n + 1n}`);
    const busy = await runCli(['restore', `s3://backups/influx/${db}`, '--endpoint', s3.endpoint, '--to', fresh.url, '--database', `${db}_busy`], { cwd: ws.dir, env: s3Env });
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/main: restore: checksum load \[autogen\]: 351 points expected, 352 there/);

    const asOf = new Date(Date.parse((await s3Manifest(db, archives[0]!.id)).created_at) + 1).toISOString();
    const earlier = await runCli(['restore', `s3://backups/influx/${db}`, '--endpoint', s3.endpoint, '--as-of', asOf, '--to', fresh.url, '--database', `${db}_first`], { cwd: ws.dir, env: s3Env });
    expect(earlier.code, earlier.stderr).toBe(0);
    expect(await fresh.dump(`${db}_first`)).toEqual(firstDump);
  });
});

async function s3Manifest(database: string, id: string): Promise<Manifest> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const client = s3.client();
  const got = await client.send(new GetObjectCommand({ Bucket: 'backups', Key: `influx/${database}/${id}/manifest.json` }));
  const text = await got.Body!.transformToString();
  client.destroy();
  return JSON.parse(text) as Manifest;
}
