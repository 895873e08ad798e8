// bench/influx-copy — the figures of issues 3 and 12, in one run, on throwaway influxd servers:
//   (a) the raw write ceiling: the points as pre-made line protocol, 5,000-line batches, 4 at a time
//   (b) the peer ../shared/peers/influxdb_python_copy.py --mode chunked (Debian's python3-influxdb)
//   (c) this pipeline, full mode, validate_data false; then the verification (validate_data: true) timed apart
//   (e) the same 1,000,000 points plus one point at each end of InfluxDB's time range (1677 and 2262)
//   (d) the child's peak RSS copying 5,000,000 points (skip with BENCH_SKIP_5M=1)
// Targets: (c) >= 0.7 x (a) and >= 2.5 x (b); (e) about the time of (c), child peak RSS < 200 MB; (d) <= 200 MB.
// Run: npm run bench:influx-copy   (builds dist/ first)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { Influxd } from '../../test/helpers/influxd.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const PEER = fileURLToPath(new URL('../../../shared/peers/influxdb_python_copy.py', import.meta.url));
const SERIES = 200;
const work = mkdtempSync(join(tmpdir(), 'sat-bench-influx-'));

// 200 series × n timestamps, five fields: two floats, an integer, a string, a boolean.
function* batches(points: number, size = 5000): Generator<string> {
  const perSeries = points / SERIES;
  const start = BigInt(Date.now() - 30 * 86_400_000) * 1_000_000n;
  let lines: string[] = [];
  for (let t = 0; t < perSeries; t++) {
    const time = start + BigInt(t) * 1_000_000_000n;
    for (let s = 0; s < SERIES; s++) {
      lines.push(`bench,host=host-${s},dc=dc${s % 4} usage=${(t % 1000) / 10 + s},load=${t * 0.25},count=${t * SERIES + s}i,state="ok-${t % 7}",up=${t % 2 === 0} ${time}`);
      if (lines.length === size) {
        yield lines.join('\n');
        lines = [];
      }
    }
  }
  if (lines.length) yield lines.join('\n');
}

async function load(server: Influxd, db: string, points: number): Promise<number> {
  await server.query(`CREATE DATABASE ${db}`);
  const limit = pLimit(4);
  const t0 = performance.now();
  await Promise.all([...batches(points)].map((body) => limit(() => server.write(db, body))));
  return performance.now() - t0;
}

function copyWithMain(src: Influxd, dst: Influxd, db: string, dstDb: string, validate: string): { seconds: number; written: number; peakMb?: number; ok: boolean } {
  const dir = mkdtempSync(join(work, 'run-'));
  writeFileSync(join(dir, 'copy.yaml'), `copy:\n  source_server: { url: "${src.url}", database: ${db} }\n  destination_server: { url: "${dst.url}", database: ${dstDb} }\n  backup_config: { mode: full, validate_data: ${validate}, window: 30d }\n`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [MAIN, '--json', '-c', dir, '--state', join(dir, 'state.db'), '--log-dir', join(dir, 'logs')], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = (performance.now() - t0) / 1000;
  const summary = JSON.parse(r.stdout);
  const p = summary.processes[0];
  const finished = readFileSync(join(dir, 'logs', 'sysadmintoolkit.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.peakMemoryMb !== undefined);
  if (p.status !== 'success') throw new Error(`copy failed: ${JSON.stringify(p.error)}`);
  return { seconds, written: p.records.written, peakMb: finished?.peakMemoryMb, ok: p.integrity?.ok ?? true };
}

const rate = (points: number, seconds: number) => Math.round(points / seconds);
const fmt = (n: number) => n.toLocaleString('en-US');

// Each measurement writes into a fresh destination server, and starts only once the source is idle:
// a server still compacting what the previous measurement wrote would slow the next one down.
const src = await Influxd.start();
const servers: Influxd[] = [src];
const fresh = async () => {
  const server = await Influxd.start();
  servers.push(server);
  await src.settle();
  return server;
};
try {
  console.log(`bench/influx-copy on ${cpus().length} cores, node ${process.version}, influxd ${spawnSync('influxd', ['version'], { encoding: 'utf8' }).stdout.trim()}\n`);
  const N = 1_000_000;
  await load(src, 'bench', N);

  const ceilingMs = await load(await fresh(), 'ceiling', N);
  const a = rate(N, ceilingMs / 1000);
  console.log(`(a) raw write ceiling:         ${fmt(a)} points/s  (${fmt(N)} points in ${(ceilingMs / 1000).toFixed(2)} s)`);

  let b: number | undefined;
  const python = '/usr/bin/python3';
  const hasPeer = existsSync(PEER) && spawnSync(python, ['-c', 'import influxdb']).status === 0;
  if (hasPeer) {
    const dst = await fresh();
    const t0 = performance.now();
    const r = spawnSync(python, [PEER, '--src', src.url, '--dst', dst.url, '--db', 'bench', '--dst-db', 'peer_copy', '--mode', 'chunked', '--page', '10000'], { encoding: 'utf8' });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`the peer failed: ${r.stderr}`);
    b = rate(N, seconds);
    console.log(`(b) peer influxdb_python_copy: ${fmt(b)} points/s  (${r.stdout.trim()}; ${seconds.toFixed(2)} s with start-up)`);
  } else {
    console.log('(b) peer: not run (needs ../shared/peers/influxdb_python_copy.py and Debian python3-influxdb)');
  }

  const c = copyWithMain(src, await fresh(), 'bench', 'copy_c', 'false');
  const cRate = rate(c.written, c.seconds);
  console.log(`(c) this pipeline, full:       ${fmt(cRate)} points/s  (${fmt(c.written)} points in ${c.seconds.toFixed(2)} s, the whole command; child peak ${c.peakMb} MB)`);
  const v = copyWithMain(src, await fresh(), 'bench', 'copy_v', 'true');
  console.log(`    with validate_data: true:  ${v.seconds.toFixed(2)} s in all: the count verification added ${(v.seconds - c.seconds).toFixed(2)} s (integrity ${v.ok ? 'ok' : 'FAILED'})`);
  console.log(`\n    (c)/(a) = ${(cRate / a).toFixed(2)}   target >= 0.7   ${cRate / a >= 0.7 ? 'MET' : 'MISSED'}`);
  if (b) console.log(`    (c)/(b) = ${(cRate / b).toFixed(2)}   target >= 2.5   ${cRate / b >= 2.5 ? 'MET' : 'MISSED'}`);

  // Two more points, at MinNanoTime and MaxNanoTime: 584 years between them, which the copy must not walk.
  await src.write('bench', 'bench,host=edge usage=1 -9223372036854775806\nbench,host=edge usage=2 9223372036854775806');
  const e = copyWithMain(src, await fresh(), 'bench', 'copy_e', 'false');
  const ePeak = e.peakMb ?? Infinity;
  console.log(`\n(e) 1,000,002 points, two at the ends of time: ${e.seconds.toFixed(2)} s (${(e.seconds / c.seconds).toFixed(2)} x the time of (c)), child peak RSS ${e.peakMb} MB   target < 200 MB   ${ePeak < 200 ? 'MET' : 'MISSED'}`);

  if (!process.env.BENCH_SKIP_5M) {
    const M = 5_000_000;
    await load(src, 'bench5m', M);
    const big = copyWithMain(src, await fresh(), 'bench5m', 'copy_5m', 'false');
    console.log(`\n(d) 5,000,000 points: ${fmt(rate(big.written, big.seconds))} points/s, child peak RSS ${big.peakMb} MB   target <= 200 MB   ${(big.peakMb ?? Infinity) <= 200 ? 'MET' : 'MISSED'}`);
  }
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(work, { recursive: true, force: true });
}
