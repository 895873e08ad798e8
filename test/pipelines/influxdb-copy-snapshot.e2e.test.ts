import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { runCli, Workspace } from '../helpers/cli.js';
import { freePort, Influxd } from '../helpers/influxd.js';

// method snapshot and auto (issue 17): influxd backup -portable and restore -portable between two real influxd,
// over their RPC ports; the fallback to http when snapshot cannot be used.
let src: Influxd;
let dst: Influxd;
let ws: Workspace;
let db = '';
let n = 0;

beforeAll(async () => {
  [src, dst] = await Promise.all([Influxd.start(), Influxd.start()]);
});
afterAll(() => Promise.all([src?.stop(), dst?.stop()]));
beforeEach(async () => {
  ws = new Workspace();
  db = `snap${++n}`;
  await src.query(`CREATE DATABASE ${db}`);
});
afterEach(() => ws?.remove());

const WEEK = 7n * 86_400_000_000_000n;
const T = 1700000000000000000n; // in the weekly shard group starting Monday 2023-11-13

// Types per shard group (v is a float, a string, a boolean, an integer beyond 2^53 in four weekly groups), times
// one nanosecond apart, escaping, and a field that is not in every point.
const POINTS = [
  `mixed,host=a v=1.5 ${T}`,
  `mixed,host=a v=5 ${T + 1n}`,
  `mixed,host=a v="five" ${T + WEEK}`,
  `mixed,host=a v=true ${T + 2n * WEEK}`,
  `mixed,host=a v=9007199254740993i ${T + 3n * WEEK}`,
  `mixed,host=b w=1i,v=-0 ${T + 2n}`,
  `cpu,host=a value=5,count=-9223372036854775808i,on=true ${T + 3n}`,
  `my\\ measure\\,ment,tag\\ key=va\\,l\\=ue\\ x text="she said \\"hi\\" \\\\ bye" ${T + 4n}`,
  `sparse a=1i ${T + 5n}`,
  `sparse b="x" ${T + 6n}`,
].join('\n');

// `main --json` on one copy process from src to dst (database `<db>_copy`); its summary entry, exit code and log.
async function copy(backupConfig: string, rpc: { source?: string; destination?: string } = {}) {
  const side = (s: Influxd, database: string, address = s.rpc) => `{ url: "${s.url}", database: ${database}, rpc: "${address}" }`;
  ws.write('config/copy.yaml', `copy:\n  source_server: ${side(src, db, rpc.source)}\n  destination_server: ${side(dst, `${db}_copy`, rpc.destination)}\n  backup_config: { ${backupConfig} }\n`);
  const { code, stdout, stderr } = await runCli(['--json'], { cwd: ws.dir });
  if (!stdout.startsWith('{')) throw new Error(`main printed no summary (exit ${code}):\n${stderr}`);
  return { code, process: (JSON.parse(stdout) as RunSummary).processes[0]!, stderr, log: ws.read('data/logs/sysadmintoolkit.jsonl') };
}

describe('influxdb-copy method: snapshot', () => {
  it('copies a database exactly (types per shard group, nanosecond times, retention policies) and verifies it as http does', async () => {
    await src.query(`CREATE RETENTION POLICY weekly ON ${db} DURATION 0s REPLICATION 1 SHARD DURATION 1w`);
    await src.write(db, POINTS);
    await src.write(db, `cpu,host=z value=2 ${T + 7n}`, 'weekly');
    const { code, process, log } = await copy('mode: full, method: snapshot, validate_data: checksum');
    expect(code, JSON.stringify(process)).toBe(0);
    expect(process.status).toBe('success');
    for (const rp of ['autogen', 'weekly']) expect(await dst.dump(`${db}_copy`, rp)).toEqual(await src.dump(db, rp));
    const dump = await dst.dump(`${db}_copy`);
    expect(dump).toContain(`mixed [host=a] ${T + 1n} v:float=5`);
    expect(dump).toContain(`mixed [host=a] ${T + WEEK} v:string=five`);
    expect(dump).toContain(`mixed [host=a] ${T + 3n * WEEK} v:integer=9007199254740993`);
    const rps = await dst.query(`SHOW RETENTION POLICIES ON ${db}_copy`);
    expect(rps.results[0].series[0].values).toEqual(expect.arrayContaining([['weekly', '0s', '168h0m0s', 1, false]]));
    const checks = process.integrity!.checks;
    expect(checks[0]).toMatchObject({ name: 'method', ok: true, detail: expect.stringMatching(/^snapshot: influxd backup and restore -portable, \d+ files, \d+ bytes, [\d.]+ s$/) });
    expect(checks.slice(1).map((c) => [c.name, c.ok])).toEqual([
      ['checksum cpu [autogen]', true],
      ['checksum mixed [autogen]', true],
      ['checksum my measure,ment [autogen]', true],
      ['checksum sparse [autogen]', true],
      ['checksum cpu [weekly]', true],
      ['checksum mixed [weekly]', true],
      ['checksum my measure,ment [weekly]', true],
      ['checksum sparse [weekly]', true],
    ]);
    expect(log).toContain(`influxd backup -portable from ${src.rpc}, restore -portable into ${dst.rpc}`);
  });

  it('copies one retention policy when retention_policies names one, counted per field', async () => {
    await src.query(`CREATE RETENTION POLICY weekly ON ${db} DURATION 0s REPLICATION 1 SHARD DURATION 1w`);
    await src.write(db, POINTS);
    await src.write(db, `cpu,host=z value=2 ${T + 7n}`, 'weekly');
    const { code, process } = await copy('mode: full, method: snapshot, retention_policies: [weekly]');
    expect(code, JSON.stringify(process)).toBe(0);
    expect(await dst.dump(`${db}_copy`, 'weekly')).toEqual(await src.dump(db, 'weekly'));
    expect(await dst.dump(`${db}_copy`, 'weekly')).toHaveLength(1);
    expect(process.integrity!.checks.find((c) => c.name === 'count cpu [weekly]')).toMatchObject({ ok: true, expected: 1, actual: 1 });
  });

  it('refuses a destination database that exists (influxd restore writes only into a new one); auto copies it over http with a warning', async () => {
    await src.write(db, POINTS);
    await dst.query(`CREATE DATABASE ${db}_copy`);
    const refused = await copy('mode: full, method: snapshot');
    expect(refused.code).toBe(1);
    expect(refused.process.error).toEqual({ code: 'E_INFLUX_REJECTED', message: `method "snapshot": the destination already has database "${db}_copy", and influxd restore writes only into a new one: drop it first for a fresh snapshot; use method "http" (or "auto", which falls back to it)` });
    expect(await dst.dump(`${db}_copy`)).toEqual([]);

    const auto = await copy('mode: full, method: auto');
    expect(auto.code, JSON.stringify(auto.process)).toBe(0);
    expect(await dst.dump(`${db}_copy`)).toEqual(await src.dump(db));
    expect(auto.process.records).toEqual({ read: 10, written: 10, rejected: 0 });
    expect(auto.process.integrity!.checks[0]).toEqual({ name: 'method', ok: true, detail: `copied over http: snapshot is unavailable (the destination already has database "${db}_copy", and influxd restore writes only into a new one: drop it first for a fresh snapshot)` });
    expect(auto.log).toMatch(/"level":"warn".*method \\"auto\\": snapshot is unavailable \(the destination already has database/);
  });

  it('fails when an RPC port refuses; auto then copies over http, saying so in the log and the summary', async () => {
    await src.write(db, POINTS);
    const closed = `127.0.0.1:${await freePort()}`;
    const refused = await copy('mode: full, method: snapshot', { source: closed });
    expect(refused.code).toBe(1);
    expect(refused.process.error).toEqual({ code: 'E_INFLUX_REQUEST', message: `method "snapshot": the source's RPC port ${closed} refused the connection (set source_server.rpc to its bind-address in influxdb.conf, which must listen beyond 127.0.0.1 for another host); use method "http" (or "auto", which falls back to it)` });
    expect((await dst.query('SHOW DATABASES')).results[0].series[0].values).not.toContainEqual([`${db}_copy`]);

    const auto = await copy('mode: full, method: auto, validate_data: checksum', { destination: closed });
    expect(auto.code, JSON.stringify(auto.process)).toBe(0);
    expect(await dst.dump(`${db}_copy`)).toEqual(await src.dump(db));
    expect(auto.process.integrity!.checks[0]).toEqual({ name: 'method', ok: true, detail: `copied over http: snapshot is unavailable (the destination's RPC port ${closed} refused the connection (set destination_server.rpc to its bind-address in influxdb.conf, which must listen beyond 127.0.0.1 for another host))` });
    expect(auto.process.integrity!.checks.slice(1).every((c) => c.ok && c.name.startsWith('checksum '))).toBe(true);
    expect(auto.log).toMatch(/"level":"warn".*snapshot is unavailable \(the destination's RPC port/);
  });

  it('fails when the influxd program is missing; auto falls back to http', async () => {
    await src.write(db, POINTS);
    ws.write('config/copy.yaml', `copy:\n  source_server: { url: "${src.url}", database: ${db}, rpc: "${src.rpc}" }\n  destination_server: { url: "${dst.url}", database: ${db}_copy, rpc: "${dst.rpc}" }\n  backup_config: { mode: full, method: snapshot }\n`);
    // A PATH with no influxd on it, only the programs the test's own launcher needs (main runs by its full path).
    const bin = join(ws.dir, 'bin');
    mkdirSync(bin);
    for (const program of ['setpriv', 'sh']) symlinkSync(execFileSync('sh', ['-c', `command -v ${program}`], { encoding: 'utf8' }).trim(), join(bin, program));
    const env = { PATH: bin };
    const refused = await runCli(['--json'], { cwd: ws.dir, env });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).processes[0].error).toMatchObject({ code: 'E_PIPELINE', message: expect.stringMatching(/^method "snapshot": the influxd program cannot be run here \(.*ENOENT.*\): install InfluxDB 1\.x's influxd/) });
    ws.write('config/copy.yaml', ws.read('config/copy.yaml').replace('method: snapshot', 'method: auto'));
    const auto = await runCli(['--json'], { cwd: ws.dir, env });
    expect(auto.code, auto.stdout + auto.stderr).toBe(0);
    expect(JSON.parse(auto.stdout).processes[0].integrity.checks[0].detail).toMatch(/^copied over http: snapshot is unavailable \(the influxd program cannot be run here/);
    expect(await dst.dump(`${db}_copy`)).toEqual(await src.dump(db));
  });

  it('refuses at validation, naming the file and line, snapshot where it cannot work; auto takes http there', async () => {
    ws.write('config/copy.yaml', `copy:\n  source_server: { url: "${src.url}", database: ${db} }\n  destination_server: { url: "${dst.url}", database: ${db}_copy }\n  backup_config:\n    method: snapshot\n    measurements: [cpu]\n`);
    const { code, stdout } = await runCli(['--validate-only'], { cwd: ws.dir });
    expect(code).toBe(2);
    expect(stdout).toContain('config/copy.yaml:5:13: process "copy": method "snapshot" cannot be used here: "mode: full" is needed (it copies whole shards, not what is new since the last run), got mode "incremental"; or use method "http"');
    expect(stdout).toContain('config/copy.yaml:5:13: process "copy": method "snapshot" cannot be used here: "measurements" must be left out (it copies every measurement), got ["cpu"]; or use method "http"');

    await src.write(db, POINTS);
    const auto = await copy('method: auto');
    expect(auto.code, JSON.stringify(auto.process)).toBe(0);
    expect(auto.process.integrity!.checks[0]).toEqual({ name: 'method', ok: true, detail: 'copied over http: snapshot cannot be used here: "mode: full" is needed (it copies whole shards, not what is new since the last run), got mode "incremental"' });
    expect(await dst.dump(`${db}_copy`)).toEqual(await src.dump(db));
  });
});
