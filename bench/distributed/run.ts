// bench/distributed — the figures of the distributed-mode issue, in one run:
//   200 `command` processes of 100 ms each (`sleep 0.1`) through the queue with 1, 2 and 4 workers
//   (`main worker --concurrency 4` each), against the local runner (`main -p 4`): jobs/s, and the overhead
//   per job = queue slot-time per job − local slot-time per job, where slot-time per job = wall × slots / 200
//   (4 slots locally, 4 × W on the queue).
// Target: queue overhead < 20 ms per job at 1 worker.
// Each figure is the best of BENCH_REPEAT runs (2), taken in rounds (local, 1, 2, 4 workers; again); every run is printed.
// Run: npm run bench:distributed   (BENCH_JOBS and BENCH_REPEAT change the sizes)
// Where a queued job's time goes (per-job phases, CPU of each process): bench/distributed/phases.ts
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RunSummary } from '../../src/core/result.js';
import { RedisServer } from '../../test/helpers/redis.js';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const JOBS = Number(process.env.BENCH_JOBS ?? 200);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 2);
const SLOTS = 4; // -p 4 locally, --concurrency 4 per worker
const WORKERS = [1, 2, 4];
const TARGET_MS = 20;
const work = mkdtempSync(join(tmpdir(), 'sat-bench-distributed-'));
const config = join(work, 'config');

interface Row {
  mode: string;
  workers: number;
  slots: number;
  /** Best wall time, seconds. */
  wall: number;
  /** Worst − best, seconds. */
  spread: number;
}

let redis: RedisServer | undefined;
const workers: ChildProcess[] = [];
try {
  const redisVersion = /v=(\S+)/.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout ?? '')?.[1] ?? 'not installed';
  console.log(`bench/distributed on ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), node ${process.version}, redis-server ${redisVersion}`);
  console.log(`${JOBS} command processes running \`sleep 0.1\`, ${SLOTS} slots locally and ${SLOTS} per worker; best of ${REPEAT} runs each (every run printed)`);
  if (process.env.NODE_EXTRA_CA_CERTS) console.log(`NODE_EXTRA_CA_CERTS is set (${process.env.NODE_EXTRA_CA_CERTS}): every node start, children included, parses it, in both modes`);
  const load0 = loadavg()[0]!;
  console.log('');

  mkdirSync(config);
  for (let i = 0; i < JOBS; i++) {
    const name = `job_${String(i).padStart(3, '0')}`;
    writeFileSync(join(config, `${name}.yaml`), `${name}:\n  type: command\n  run: { argv: [sleep, "0.1"] }\n`);
  }

  // Rounds: local, then 1, 2 and 4 workers, REPEAT times over, so that a change in the machine's load
  // (this one is shared) falls on every mode alike rather than on whichever was measured last.
  const labels = ['local, -p 4', ...WORKERS.map((w) => `queue, ${w} worker(s)`)];
  const times = labels.map(() => [] as number[]);
  redis = await RedisServer.start();
  let db = 0;
  for (let round = 0; round < REPEAT; round++) {
    times[0]!.push(await timeMain(['--config', config, '-p', String(SLOTS), '--json', '--state', join(work, 'local.db'), '--log-dir', join(work, 'logs', 'local')]));
    for (const [i, w] of WORKERS.entries()) {
      // A database per measurement: the jobs, events and workers of one never meet another's.
      const queue = `${redis.url}/${++db}`;
      workers.push(...(await Promise.all(Array.from({ length: w }, (_, n) => startWorker(queue, `r${round}-w${w}-${n}`)))));
      times[i + 1]!.push(await timeMain(['--queue', queue, '--config', config, '--json', '--state', join(work, `producer-${w}.db`), '--log-dir', join(work, 'logs', `producer-${w}`)]));
      await Promise.all(workers.splice(0).map(stop));
    }
  }
  for (const [i, label] of labels.entries()) console.log(`${label.padEnd(22)} runs (s): ${times[i]!.map((t) => t.toFixed(2)).join(', ')}   best ${Math.min(...times[i]!).toFixed(2)}`);
  console.log(`load average (1 min) at the start ${load0.toFixed(2)}, at the end ${loadavg()[0]!.toFixed(2)}`);
  const rows: Row[] = [
    { mode: 'local', workers: 0, slots: SLOTS, wall: Math.min(...times[0]!), spread: Math.max(...times[0]!) - Math.min(...times[0]!) },
    ...WORKERS.map((w, i) => ({ mode: 'queue', workers: w, slots: SLOTS * w, wall: Math.min(...times[i + 1]!), spread: Math.max(...times[i + 1]!) - Math.min(...times[i + 1]!) })),
  ];

  const slotMs = (r: Row) => (r.wall * 1000 * r.slots) / JOBS;
  const localSlot = slotMs(rows[0]!);
  console.log(`\nbest of ${REPEAT} runs each (jobs/s = ${JOBS} / wall; slot-time/job = wall × slots / ${JOBS}; overhead/job = slot-time/job − local slot-time/job;`);
  console.log(`spread = (worst − best wall) × slots / ${JOBS}: how far apart the runs of one measurement were, in the unit of the overhead):\n`);
  const table = [
    ['MODE', 'WORKERS', 'SLOTS', 'WALL S', 'JOBS/S', 'SLOT-TIME/JOB MS', 'OVERHEAD/JOB MS', 'SPREAD MS/JOB'],
    ...rows.map((r) => [r.mode, r.mode === 'local' ? '-' : String(r.workers), String(r.slots), r.wall.toFixed(2), (JOBS / r.wall).toFixed(1), slotMs(r).toFixed(1), r.mode === 'local' ? '-' : (slotMs(r) - localSlot).toFixed(1), ((r.spread * 1000 * r.slots) / JOBS).toFixed(1)]),
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((line) => line[c]!.length)));
  for (const line of table) console.log(`  ${line.map((cell, c) => (c < 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')}`);

  const one = rows.find((r) => r.mode === 'queue' && r.workers === 1)!;
  const overhead = slotMs(one) - localSlot;
  console.log(`\njobs/s queue (1 worker) / local: ${(rows[0]!.wall / one.wall).toFixed(2)}`);
  console.log(`target: overhead < ${TARGET_MS} ms/job at 1 worker: ${overhead < TARGET_MS ? 'met' : 'not met'} (${overhead.toFixed(1)} ms/job)`);
  const noise = Math.max(...rows.slice(0, 2).map((r) => (r.spread * 1000 * r.slots) / JOBS));
  if (noise >= TARGET_MS / 2) console.log(`caution: the runs of one measurement (local or 1 worker) differed by up to ${noise.toFixed(1)} ms/job here; a verdict this close needs a quieter machine or more runs (BENCH_REPEAT); bench/distributed/phases.ts measures the queue's own share per job`);
  if (cpus().length < SLOTS * Math.max(...WORKERS)) {
    console.log(`note: ${cpus().length} CPUs for up to ${SLOTS * Math.max(...WORKERS)} slots: with more workers on this machine the children's start-up competes for the CPUs, and slot-time/job grows with the slots`);
  }
} finally {
  await Promise.all(workers.splice(0).map(stop));
  await redis?.stop();
  rmSync(work, { recursive: true, force: true });
}

// `main …` once: its wall time in seconds; fails unless every process succeeded.
async function timeMain(args: string[]): Promise<number> {
  const t0 = process.hrtime.bigint();
  let stdout: string;
  try {
    ({ stdout } = await run(process.execPath, [MAIN, ...args], { cwd: work, maxBuffer: 64 << 20 }));
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`main ${args.join(' ')} failed: ${e.message}\n${e.stderr?.slice(-4000) ?? ''}`);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const summary = JSON.parse(stdout) as RunSummary;
  const ok = summary.processes.filter((p) => p.status === 'success').length;
  if (ok !== JOBS || summary.processes.length !== JOBS) {
    const first = summary.processes.find((p) => p.status !== 'success');
    throw new Error(`main ${args.join(' ')}: ${ok} of ${JOBS} processes succeeded (${summary.processes.length} in the summary)${first ? `; first other: ${JSON.stringify(first)}` : ''}`);
  }
  return seconds;
}

// `main worker` with its own state and log folder; resolves once it logs that it is taking jobs.
function startWorker(queue: string, name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [MAIN, 'worker', '--queue', queue, '--concurrency', String(SLOTS), '--config', config, '--state', join(work, `${name}.db`), '--log-dir', join(work, 'logs', name)], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail('did not log "taking jobs from" within 30 s'), 30_000);
    const onExit = (code: number | null, signal: string | null) => fail(`exited (${signal ?? code}) before taking jobs`);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.kill('SIGKILL');
      reject(new Error(`worker ${name} ${why}:\n${stderr.slice(-4000)}`));
    };
    child.stderr!.on('data', (d) => {
      // Keep only the start: the worker logs every job, and the bench only needs to know it is ready.
      if (stderr.length < 16_384) stderr += d;
      if (/taking jobs from/.test(stderr)) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(child);
      }
    });
    child.once('exit', onExit);
  });
}

// SIGTERM, and wait for the worker to exit (SIGKILL after 30 s).
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}
