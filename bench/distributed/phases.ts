// bench/distributed/phases — where a queued job's time goes, next to a local run of the same processes:
//   CPU seconds of every process involved (main / producer, worker and its children, redis-server), and per job
//   the phases enqueue → picked up by a worker → child started → child's result → job completed in Redis →
//   result seen by the producer (BullMQ's job timestamps, the result's startedAt/durationMs, the producer's log).
// Run: npm run build && tsx bench/distributed/phases.ts   (BENCH_JOBS, BENCH_WORKERS, BENCH_CONCURRENCY)
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { ProcessResult, RunSummary } from '../../src/core/result.js';
import { QUEUE_NAME, QUEUE_PREFIX } from '../../src/queue/connection.js';
import { queueTarget } from '../../src/queue/target.js';
import { RedisServer } from '../../test/helpers/redis.js';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const JOBS = Number(process.env.BENCH_JOBS ?? 200);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const SLOTS = Number(process.env.BENCH_CONCURRENCY ?? 4);
const CLK_TCK = Number((await run('getconf', ['CLK_TCK'])).stdout) || 100; // clock ticks per second (/proc/<pid>/stat)
const work = mkdtempSync(join(tmpdir(), 'sat-bench-phases-'));
const config = join(work, 'config');

let redis: RedisServer | undefined;
const workers: ChildProcess[] = [];
try {
  console.log(`bench/distributed/phases on ${cpus().length} CPUs, node ${process.version}; ${JOBS} × sleep 0.1, ${SLOTS} slots locally, ${WORKERS} worker(s) × ${SLOTS} on the queue\n`);
  mkdirSync(config);
  for (let i = 0; i < JOBS; i++) {
    const name = `job_${String(i).padStart(3, '0')}`;
    writeFileSync(join(config, `${name}.yaml`), `${name}:\n  type: command\n  run: { argv: [sleep, "0.1"] }\n`);
  }

  // Local, under /usr/bin/time: main's CPU with its (waited-for) children's.
  const local = await timed(['--config', config, '-p', String(SLOTS), '--json', '--state', join(work, 'local.db'), '--log-dir', join(work, 'logs-local')]);
  report('local', local.wall, local.summary, [['main + its children', local.cpu]]);
  const forks = local.summary.processes.map((p) => Date.parse(p.startedAt));
  const ends = local.summary.processes.map((p) => Date.parse(p.startedAt) + p.durationMs);
  console.log(`  main alone: ${local.self.toFixed(2)} s of CPU (sampled); ${Math.min(...forks) - local.t0} ms from its start to the first fork; ${(local.t0 + local.wall * 1000 - Math.max(...ends)).toFixed(0)} ms from the last result to its exit; ${(((Math.max(...ends) - Math.min(...forks)) * SLOTS) / JOBS).toFixed(1)} ms of slot-time per job between them\n`);

  redis = await RedisServer.start();
  const queue = `${redis.url}/1`;
  const client = new Redis(queueTarget(queue).connection);
  for (let n = 0; n < WORKERS; n++) workers.push(await startWorker(queue, `w${n}`));
  const redisBefore = await redisCpu(client);
  const workerBefore = workers.map((w) => procCpu(w.pid!));
  const queued = await timed(['--queue', queue, '--config', config, '--json', '--state', join(work, 'producer.db'), '--log-dir', join(work, 'logs-producer')]);
  // Every child of the workers has been waited for by now: their CPU is in the workers' cutime/cstime.
  const workerCpu = workers.reduce((sum, w, i) => sum + procCpu(w.pid!) - workerBefore[i]!, 0);
  const redisUsed = (await redisCpu(client)) - redisBefore;
  report(`queue, ${WORKERS} worker(s)`, queued.wall, queued.summary, [
    [`producer (main --queue; ${queued.self.toFixed(2)} s sampled)`, queued.cpu],
    ['worker(s) + their children', workerCpu],
    ['redis-server', redisUsed],
  ]);

  // Per job, from BullMQ's own timestamps, the worker's result and the producer's log.
  const q = new Queue(QUEUE_NAME, { connection: queueTarget(queue).connection, prefix: QUEUE_PREFIX });
  const jobs = await q.getJobs(['completed'], 0, -1);
  await q.close();
  client.disconnect();
  const seen = new Map<string, number>();
  const queuedAt = new Map<string, number>();
  for (const line of readFileSync(join(work, 'logs-producer', 'sysadmintoolkit.jsonl'), 'utf8').split('\n')) {
    if (!line) continue;
    const entry = JSON.parse(line) as { message: string; process?: string; timestamp: string };
    if (!entry.process) continue;
    if (entry.message.startsWith('Finished')) seen.set(entry.process, Date.parse(entry.timestamp));
    if (entry.message.startsWith('Queued as job')) queuedAt.set(entry.process, Date.parse(entry.timestamp));
  }
  const phases = { 'add() → in Redis (producer log "Queued")': [] as number[], 'waiting in the queue (timestamp → processedOn)': [] as number[], 'picked up → child forked (processedOn → startedAt)': [] as number[], 'child: fork → result (durationMs)': [] as number[], 'result → completed in Redis (→ finishedOn)': [] as number[], 'completed → producer has it (→ "Finished" logged)': [] as number[] };
  const spans: Array<[number, number]> = [];
  for (const job of jobs) {
    const r = job.returnvalue as ProcessResult;
    const start = Date.parse(r.startedAt);
    phases['add() → in Redis (producer log "Queued")'].push(queuedAt.get(r.name)! - job.timestamp);
    phases['waiting in the queue (timestamp → processedOn)'].push(job.processedOn! - job.timestamp);
    phases['picked up → child forked (processedOn → startedAt)'].push(start - job.processedOn!);
    phases['child: fork → result (durationMs)'].push(r.durationMs);
    phases['result → completed in Redis (→ finishedOn)'].push(job.finishedOn! - (start + r.durationMs));
    phases['completed → producer has it (→ "Finished" logged)'].push(seen.get(r.name)! - job.finishedOn!);
    spans.push([job.processedOn!, job.finishedOn!]);
  }
  console.log(`per job on the queue (${jobs.length} jobs, ms): median / mean / p95`);
  for (const [label, xs] of Object.entries(phases)) console.log(`  ${label.padEnd(52)} ${stats(xs)}`);
  const busy = spans.reduce((s, [a, b]) => s + (b - a), 0);
  const first = Math.min(...jobs.map((j) => j.timestamp));
  const last = Math.max(...jobs.map((j) => j.finishedOn!));
  const slots = SLOTS * WORKERS;
  console.log(`  slot occupancy between the first add() and the last finishedOn: ${((busy / ((last - first) * slots)) * 100).toFixed(1)}% of ${slots} slots × ${((last - first) / 1000).toFixed(2)} s`);
  const firstPick = Math.min(...jobs.map((j) => j.processedOn!));
  console.log(`  main --queue: ${(first - queued.t0).toFixed(0)} ms from its start to the first add() (${firstPick - queued.t0} ms to the first pick-up); ${(queued.t0 + queued.wall * 1000 - last).toFixed(0)} ms from the last finishedOn to its exit; ${(((last - firstPick) * slots) / JOBS).toFixed(1)} ms of slot-time per job between the first pick-up and the last finishedOn`);
} finally {
  for (const w of workers.splice(0)) {
    const exited = new Promise((r) => w.once('exit', r));
    w.kill('SIGTERM');
    await exited;
  }
  await redis?.stop();
  rmSync(work, { recursive: true, force: true });
}

// main under /usr/bin/time (its CPU with its waited-for children's), its own CPU sampled from /proc every 20 ms.
async function timed(args: string[]): Promise<{ wall: number; cpu: number; self: number; t0: number; summary: RunSummary }> {
  const out = join(work, 'time.txt');
  const t0 = Date.now();
  const child = execFile('/usr/bin/time', ['-o', out, '-f', '%U %S', process.execPath, MAIN, ...args], { cwd: work, maxBuffer: 64 << 20 });
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  let self = 0;
  const sampler = setInterval(() => {
    try {
      const main = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ')[0]);
      if (main) self = procCpu(main, false);
    } catch {
      // gone
    }
  }, 20);
  await new Promise((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  const wall = (Date.now() - t0) / 1000;
  const [u, s] = readFileSync(out, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  const summary = JSON.parse(stdout) as RunSummary;
  const ok = summary.processes.filter((p) => p.status === 'success').length;
  if (ok !== JOBS) throw new Error(`${ok} of ${JOBS} succeeded`);
  return { wall, cpu: u! + s!, self, t0, summary };
}

function report(label: string, wall: number, summary: RunSummary, cpu: Array<[string, number]>): void {
  const total = cpu.reduce((s, [, c]) => s + c, 0);
  console.log(`${label}: wall ${wall.toFixed(2)} s (${(JOBS / wall).toFixed(1)} jobs/s); child fork → result (durationMs): ${stats(summary.processes.map((p) => p.durationMs))} ms (median / mean / p95)`);
  console.log(`  CPU: ${cpu.map(([name, c]) => `${name} ${c.toFixed(2)} s`).join(', ')}; total ${total.toFixed(2)} s = ${((total * 1000) / JOBS).toFixed(1)} ms of CPU per job; ${(total / wall / cpus().length * 100).toFixed(0)}% of ${cpus().length} CPUs\n`);
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `${s[Math.floor(s.length / 2)]!.toFixed(0).padStart(5)} / ${mean.toFixed(1).padStart(7)} / ${s[Math.floor(s.length * 0.95)]!.toFixed(0).padStart(5)}`;
}

// utime + stime (+ cutime + cstime: its waited-for children) of a live process, in seconds.
function procCpu(pid: number, children = true): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12]) + (children ? Number(fields[13]) + Number(fields[14]) : 0)) / CLK_TCK;
}

async function redisCpu(client: Redis): Promise<number> {
  const info = await client.info('cpu');
  const n = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return n('used_cpu_sys') + n('used_cpu_user');
}

function startWorker(queue: string, name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [MAIN, 'worker', '--queue', queue, '--concurrency', String(SLOTS), '--config', config, '--state', join(work, `${name}.db`), '--log-dir', join(work, `logs-${name}`)], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      if (stderr.length < 16_384) stderr += d;
      if (/taking jobs from/.test(stderr)) resolve(child);
    });
    child.once('exit', () => reject(new Error(`worker ${name} exited:\n${stderr}`)));
  });
}
