// bench/archive — issue 17's figures, in one run, on throwaway influxd servers:
//   (a) 1,000,000 points archived by `main` (influxdb-copy, destination_archive, full): points/s and bytes per point
//   (b) the same data by `influx_inspect export -compress` (InfluxDB's own line-protocol export), same run, when
//       installed; and `influxd backup -portable` (shard files, gzip), for scale
//   (c) `main restore` of (a) into a fresh influxd, verification included: points/s, against the raw write ceiling
//       (the points as pre-made line protocol, 5,000-line batches, 4 at a time)
//   (d) `main` copying the same points to a fresh database by influxdb-copy `method: snapshot` (influxd backup and
//       restore -portable over the RPC ports), verified (counts per field) and not, then by `method: http`, verified
// Run: npm run bench:archive   (builds dist/ first)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import { Influxd } from '../../test/helpers/influxd.js';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const SERIES = 200;
const N = Number(process.env.BENCH_POINTS ?? 1_000_000);
const work = mkdtempSync(join(tmpdir(), 'sat-bench-archive-'));

// 200 series × n timestamps, five fields: two floats, an integer, a string, a boolean (as bench/influx-copy).
function* batches(points: number, size = 5000): Generator<string> {
  const start = BigInt(Date.now() - 30 * 86_400_000) * 1_000_000n;
  let lines: string[] = [];
  for (let t = 0; t < points / SERIES; t++) {
    const time = start + BigInt(t) * 1_000_000_000n;
    for (let s = 0; s < SERIES; s++) {
      lines.push(`bench,host=host-${s},dc=dc${s % 4} usage=${(t % 1000) / 10 + s},load=${t * 0.25},count=${t * SERIES + s}i,state="ok-${t % 7}",up=${t % 2 === 0} ${time}`);
      if (lines.length === size) yield lines.splice(0).join('\n');
    }
  }
  if (lines.length) yield lines.join('\n');
}

async function load(server: Influxd, db: string): Promise<number> {
  await server.query(`CREATE DATABASE ${db}`);
  const limit = pLimit(4);
  const t0 = performance.now();
  await Promise.all([...batches(N)].map((body) => limit(() => server.write(db, body))));
  return (performance.now() - t0) / 1000;
}

function main(args: string[], cwd: string): { seconds: number; stdout: string; stderr: string; status: number | null } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { seconds: (performance.now() - t0) / 1000, stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const sizeOf = (dir: string): number => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).reduce((n, e) => n + statSync(join(e.parentPath, e.name)).size, 0);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const has = (program: string) => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
// The test helper keeps its data folder to itself; a benchmark may look.
const dataDir = (s: Influxd) => (s as unknown as { dir: string }).dir;

// One full copy of `bench` by `main` with this method, into `database` on `to`: its seconds and summary entry.
function copyBy(method: string, src: Influxd, to: Influxd, database: string, validate = true) {
  const side = (s: Influxd, db: string) => `{ url: "${s.url}", database: ${db}, rpc: "${s.rpc}" }`;
  const name = `${method}-${validate}`;
  writeFileSync(join(work, `copy-${name}.yaml`), `copy:\n  source_server: ${side(src, 'bench')}\n  destination_server: ${side(to, database)}\n  backup_config: { mode: full, method: ${method}, window: 30d, validate_data: ${validate} }\n`);
  const r = main(['--json', '-c', join(work, `copy-${name}.yaml`), '--state', join(work, `state-${name}.db`), '--log-dir', join(work, `logs-${name}`)], work);
  const p = JSON.parse(r.stdout).processes[0];
  if (p.status !== 'success') throw new Error(`the ${method} copy failed: ${JSON.stringify(p.error)}`);
  return { seconds: r.seconds, process: p as { integrity: { checks: Array<{ name: string; detail?: string }> } } };
}

const servers: Influxd[] = [];
try {
  const src = await Influxd.start();
  servers.push(src);
  console.log(`bench/archive on ${cpus().length} cores, node ${process.version}, influxd ${spawnSync('influxd', ['version'], { encoding: 'utf8' }).stdout.trim()}\n`);
  await load(src, 'bench');
  await src.settle();

  writeFileSync(join(work, 'archive.yaml'), `archive:\n  source_server: { url: "${src.url}", database: bench }\n  destination_archive: { path: ${join(work, 'archives')} }\n  backup_config: { mode: full, window: 30d }\n`);
  const a = main(['--json', '-c', join(work, 'archive.yaml'), '--state', join(work, 'state.db'), '--log-dir', join(work, 'logs')], work);
  const p = JSON.parse(a.stdout).processes[0];
  if (p.status !== 'success') throw new Error(`the archive failed: ${JSON.stringify(p.error)}`);
  const [id] = readdirSync(join(work, 'archives'));
  const manifest = JSON.parse(readFileSync(join(work, 'archives', id!, 'manifest.json'), 'utf8')) as { points: number; bytes: number; compression: string; objects: unknown[] };
  const bytes = sizeOf(join(work, 'archives'));
  console.log(`(a) main, destination_archive:   ${fmt(manifest.points / a.seconds)} points/s (${fmt(manifest.points)} points in ${a.seconds.toFixed(2)} s, the whole command, objects checked)`);
  console.log(`    ${manifest.compression}, ${manifest.objects.length} objects: ${fmt(bytes)} bytes, ${(bytes / manifest.points).toFixed(2)} bytes/point`);

  const dir = dataDir(src);
  if (has('influx_inspect')) {
    const out = join(work, 'export.lp.gz');
    const t0 = performance.now();
    const r = spawnSync('influx_inspect', ['export', '-datadir', join(dir, 'data'), '-waldir', join(dir, 'wal'), '-database', 'bench', '-compress', '-out', out], { encoding: 'utf8' });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`influx_inspect failed: ${r.stderr}`);
    const size = statSync(out).size;
    console.log(`(b) influx_inspect export -compress: ${fmt(N / seconds)} points/s (${seconds.toFixed(2)} s), ${fmt(size)} bytes, ${(size / N).toFixed(2)} bytes/point; (a)/(b) bytes = ${(bytes / size).toFixed(2)}`);
  } else {
    console.log('(b) influx_inspect export -compress: not run (influx_inspect is not installed here: Debian\'s influxdb 1.6 package has no influx_inspect)');
  }
  const backup = join(work, 'backup');
  const t1 = performance.now();
  const r = spawnSync('influxd', ['backup', '-portable', '-host', src.rpc, '-db', 'bench', backup], { encoding: 'utf8' });
  const backupSeconds = (performance.now() - t1) / 1000;
  if (r.status === 0) console.log(`    influxd backup -portable (shard files, gzip; for scale): ${backupSeconds.toFixed(2)} s, ${fmt(sizeOf(backup))} bytes, ${(sizeOf(backup) / N).toFixed(2)} bytes/point`);
  else console.log(`    influxd backup -portable: failed (${r.stderr.trim().split('\n').at(-1)})`);

  const ceiling = await Influxd.start();
  servers.push(ceiling);
  const ceilingSeconds = await load(ceiling, 'ceiling');
  console.log(`\n(c) raw write ceiling:             ${fmt(N / ceilingSeconds)} points/s (${ceilingSeconds.toFixed(2)} s)`);
  const target = await Influxd.start();
  servers.push(target);
  await src.settle();
  const c = main(['restore', join(work, 'archives'), '--to', target.url, '--database', 'restored'], work);
  if (c.status !== 0) throw new Error(`the restore failed (${c.status}): ${c.stderr}${c.stdout}`);
  console.log(`    main restore, verified:        ${fmt(N / c.seconds)} points/s (${c.seconds.toFixed(2)} s, the whole command) = ${(ceilingSeconds / c.seconds).toFixed(2)} x the ceiling`);
  console.log(`    ${c.stdout.trim().split('\n').at(-1)}`);

  await target.settle();
  const snapshot = copyBy('snapshot', src, target, 'by_snapshot');
  const how = snapshot.process.integrity.checks.find((check) => check.name === 'method')!.detail;
  console.log(`\n(d) main influxdb-copy, method snapshot: ${snapshot.seconds.toFixed(2)} s (the whole command, counts verified; ${how})`);
  await target.settle();
  const unverified = copyBy('snapshot', src, target, 'by_snapshot_unverified', false);
  console.log(`    the same, validate_data: false:        ${unverified.seconds.toFixed(2)} s`);
  await target.settle();
  const http = copyBy('http', src, target, 'by_http');
  console.log(`    main influxdb-copy, method http:     ${http.seconds.toFixed(2)} s (the whole command, counts verified) = ${(http.seconds / snapshot.seconds).toFixed(1)} x snapshot`);
} finally {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(work, { recursive: true, force: true });
}
