import { hostname } from 'node:os';
import { isNotConnectionError, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { ProcessSpec } from '../core/process.js';
import type { Logging } from '../logging/logger.js';
import type { Redactor } from '../logging/redact.js';
import type { RunObserver } from '../core/observer.js';
import { runLogged } from '../orchestrator/run.js';
import type { ProcessResult } from '../core/result.js';
import { ErrorCode } from '../core/errors.js';
import type { Progress } from '../core/pipeline.js';
import type { StateStore } from '../state/store.js';
import { CANCEL_CHANNEL, parseCancel, QUEUE_NAME, QUEUE_PREFIX, runKey } from './connection.js';
import type { QueueTarget } from './target.js';
import { definitionHash, type JobProgress, type ProcessJob } from './job.js';

export interface WorkerOptions {
  target: QueueTarget;
  concurrency: number;
  configDir: string;
  /** The processes of this worker's own files, by name. */
  processes: Map<string, ProcessSpec>;
  logging: Logging;
  redactor: Redactor;
  store: StateStore;
  /** A job whose worker has not renewed its lock for this long is stalled, and another worker takes it. */
  stalledAfterMs: number;
  graceMs: number;
  /** Aborted on SIGTERM/SIGINT: no new jobs; those running end within graceMs or go back to the queue. */
  stop: AbortSignal;
  /** Aborted on a second signal: kill the running children now. */
  force: AbortSignal;
}

const PROGRESS_EVERY_MS = 250;

// `main worker`: takes jobs from the queue, `concurrency` at a time, and runs each through the same runner
// as a local run (runLogged: a child process, its logs, its timeout). Returns when it has stopped: true after
// a clean close, false when Redis did not answer and it stopped without it.
export async function runWorker(options: WorkerOptions): Promise<boolean> {
  const name = `${hostname()}:${process.pid}`;
  const log = options.logging.root;
  // Per running job: `stop` (graceful), `kill` (now), and why it was stopped from outside, if it was.
  const running = new Map<string, { stop: AbortController; kill: AbortController; why?: 'cancelled' | 'lost' }>();
  const subscriber = new Redis({ ...options.target.connection, lazyConnect: true });
  subscriber.on('error', () => {}); // the worker's own connection reports the outage
  subscriber.on('message', (_channel, message: string) => {
    const { jobId, signal } = parseCancel(message);
    const job = running.get(jobId);
    if (!job || job.why) return;
    job.why = 'cancelled';
    log.warn(`Job ${jobId}: its producer was interrupted by ${signal}; stopping the process.`);
    job.stop.abort(signal);
  });
  await subscriber.connect();
  await subscriber.subscribe(CANCEL_CHANNEL);
  // No offline queue: a command fails at once while Redis is away (the watchdog below counts on it).
  const client = new Redis({ ...options.target.connection, enableOfflineQueue: false });
  client.on('error', () => {});
  options.force.addEventListener('abort', () => running.forEach((j) => j.kill.abort(options.force.reason)), { once: true });

  const processor = async (job: Job<ProcessJob>, token?: string): Promise<ProcessResult> => {
    const data = job.data;
    const spec = options.processes.get(data.process);
    if (!spec) throw new UnrecoverableError(`${ErrorCode.ConfigDrift}: worker ${name} has no process "${data.process}" in ${options.configDir}; every worker needs the same process files as the producer`);
    const hash = definitionHash(spec);
    if (hash !== data.hash) {
      throw new UnrecoverableError(`${ErrorCode.ConfigDrift}: process "${data.process}" in ${spec.file} on worker ${name} differs from the producer's (definition ${hash.slice(0, 12)}, job ${data.hash.slice(0, 12)}); deploy the same process files and environment to every worker`);
    }
    // A killed `main` cannot withdraw its jobs: nobody waits for their results, and its next run may start the same process.
    if ((await client.exists(runKey(data.runId))) !== 1) throw new UnrecoverableError(`${ErrorCode.Queue}: its producer is gone (run ${data.runId} no longer waits for it); not run`);
    // What an earlier attempt reported is not this attempt's result.
    if (data.result) await job.updateData({ ...data, result: undefined });
    const entry = { stop: new AbortController(), kill: new AbortController() } as { stop: AbortController; kill: AbortController; why?: 'cancelled' | 'lost' };
    const onStop = () => setTimeout(() => entry.stop.abort('SIGTERM'), options.graceMs).unref();
    options.stop.addEventListener('abort', onStop, { once: true });
    running.set(job.id!, entry);
    const progress = progressToJob(job);
    try {
      // Not awaited: the child need not wait for the producer to be told (a Redis round trip).
      void job.updateProgress({ started: { worker: name, pid: process.pid } } satisfies JobProgress).catch(() => {});
      const result = await runLogged({ ...spec, enabled: true, ...(data.inputs ? { inputs: data.inputs } : {}) }, data.runId, {
        configDir: options.configDir,
        maxParallel: 1,
        date: data.date,
        graceMs: options.graceMs,
        logging: options.logging,
        redactor: options.redactor,
        store: options.store,
        interruption: { stop: entry.stop.signal, force: entry.kill.signal },
        observers: [progress],
        // A file handed off by `logs serve` waits for a run of its process under way; a scheduled run is skipped.
        lock: { wait: Boolean(data.inputs), self: 'this worker' },
      });
      progress.close!();
      if (entry.why === 'lost') {
        // Killed because Redis was away. If the lock outlived the outage, the job is still this worker's:
        // back to the queue, no attempt spent. If not, another worker has it, and this run is not its result.
        const kept = await job.extendLock(token!, options.stalledAfterMs).then(
          (n) => Boolean(n),
          () => false,
        );
        if (kept) {
          log.warn(`Job ${job.id}: Redis answers again and the job is still this worker's; it goes back to the queue.`);
          await job.moveToWait(token);
          throw new WaitingError();
        }
        throw new Error(`${ErrorCode.Queue}: worker ${name} lost the job's lock; another worker runs it`);
      }
      const clean = options.redactor.value(result) as ProcessResult;
      if (clean.status === 'success') return clean;
      // Stopped because this worker is stopping: back to the queue for another worker, no attempt spent.
      if (clean.status === 'interrupted' && options.stop.aborted && !entry.why) {
        await job.moveToWait(token);
        throw new WaitingError();
      }
      await job.updateData({ ...data, result: clean });
      const reason = `${clean.error?.code ?? ErrorCode.Pipeline}: ${clean.error?.message ?? clean.status}`;
      // The producer asked to stop it: trying again would undo what was asked.
      if (entry.why === 'cancelled') throw new UnrecoverableError(reason);
      throw new Error(reason);
    } finally {
      progress.close!();
      running.delete(job.id!);
      options.stop.removeEventListener('abort', onStop);
    }
  };

  const worker = new Worker<ProcessJob, ProcessResult>(QUEUE_NAME, processor, {
    connection: options.target.connection,
    prefix: QUEUE_PREFIX,
    concurrency: options.concurrency,
    name,
    lockDuration: options.stalledAfterMs,
    stalledInterval: options.stalledAfterMs,
    // A job whose worker died is taken again, twice; a third death fails it (a process that kills its worker).
    maxStalledCount: 2,
    autorun: false,
  });
  let down = false;
  worker.on('error', (error) => {
    // Not the connection: a job that vanished under its worker (removed, Redis restarted empty), a script error.
    if (!isConnectionError(error)) return void log.warn(`Queue ${options.target.shown}: ${error.message}.`);
    if (down) return;
    down = true;
    log.warn(`Queue ${options.target.shown}: ${error.message}; retrying the connection.`);
  });
  worker.on('ready', () => {
    if (down) log.info(`Queue ${options.target.shown}: connected again.`);
    down = false;
  });
  worker.on('failed', (job, error) => job && log.warn(`Job ${job.id} (${job.data.process}) failed: ${error.message}${job.attemptsMade < (job.opts.attempts ?? 1) && !(error instanceof UnrecoverableError) ? '; it will be tried again' : ''}.`));
  // This worker could not renew a job's lock (Redis unreachable for longer than --stalled-after): another
  // worker may take the job now. Its child is killed at once, so the two never run side by side for long.
  const lose = (id: string, why: string) => {
    const job = running.get(id);
    if (!job || job.why === 'lost') return;
    job.why = 'lost';
    log.error(`Job ${id}: ${why}, so another worker may take it; killing its process here.`);
    job.stop.abort('SIGTERM');
    job.kill.abort('SIGKILL');
  };
  worker.on('lockRenewalFailed', (jobIds) => jobIds.forEach((id) => lose(id, 'its lock could not be renewed')));
  // BullMQ waits for a lost connection rather than failing its lock renewals, so it would not tell. A lock
  // lives --stalled-after from its last renewal, renewed every half of it: unreachable for half of it, the
  // lock may be gone, and another worker may have the job. A ping every second (or a quarter of
  // --stalled-after) says how long Redis has been away.
  // One ping at a time; Redis counts as reached when a ping was sent (a slow answer is still an answer).
  let reachedAt = Date.now();
  let pinging = false;
  const watchdog = setInterval(() => {
    if (!pinging) {
      pinging = true;
      const sent = Date.now();
      void client
        .ping()
        .then(() => (reachedAt = Math.max(reachedAt, sent)), () => {})
        .finally(() => (pinging = false));
    }
    const away = Date.now() - reachedAt;
    if (away >= options.stalledAfterMs / 2) for (const id of running.keys()) lose(id, `Redis has not answered for ${Math.round(away / 1000)} s`);
    // Pings well inside the threshold: a healthy Redis is never further away than one period.
  }, Math.min(1000, options.stalledAfterMs / 4)).unref();
  worker.on('stalled', (jobId) => log.warn(`Job ${jobId} stalled (its worker stopped renewing its lock): this worker or another takes it again.`));
  log.info(`Worker ${name} taking jobs from ${options.target.shown}: ${options.processes.size} process(es) from ${options.configDir}, ${options.concurrency} at once. SIGHUP reloads the process files, SIGTERM stops.`);
  const done = worker.run();
  await new Promise<void>((resolve) => (options.stop.aborted ? resolve() : options.stop.addEventListener('abort', () => resolve(), { once: true })));
  log.info(`Stopping: no new jobs; ${running.size} running, ${options.graceMs / 1000} s to finish.`);
  // A clean close waits for the running jobs (their children get --grace, then are stopped) and for Redis to
  // take their results. With Redis away that wait has no end: past the grace and a margin, stop without it.
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    Promise.all([worker.close(), done]).then(() => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), options.graceMs + 15_000))),
  ]);
  clearTimeout(timer);
  clearInterval(watchdog);
  subscriber.disconnect();
  client.disconnect();
  if (!closed) {
    log.warn(`Redis at ${options.target.shown} does not answer: stopping without it. The jobs that were running go back to the queue once their locks run out.`);
    for (const c of await Promise.race([Promise.all([worker.client]), new Promise<[]>((r) => setTimeout(() => r([]), 1000))])) c.disconnect();
  }
  return closed;
}

// BullMQ's own test knows ECONNREFUSED only; a cut connection says EPIPE, ECONNRESET …
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTCONN', 'EAI_AGAIN']);
function isConnectionError(error: Error): boolean {
  return !isNotConnectionError(error) || CONNECTION_CODES.has(String((error as NodeJS.ErrnoException).code)) || /Connection is closed/i.test(error.message);
}

// Progress to the producer, at most every 250 ms per job (each update is a Redis write and an event).
function progressToJob(job: Job<ProcessJob>): RunObserver {
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  let latest: Progress | undefined;
  const send = () => {
    timer = undefined;
    last = Date.now();
    if (latest) void job.updateProgress({ progress: latest } satisfies JobProgress).catch(() => {});
  };
  return {
    name: 'queue progress',
    progress(_spec, p) {
      latest = p;
      if (timer) return;
      timer = setTimeout(send, Math.max(0, last + PROGRESS_EVERY_MS - Date.now()));
    },
    close() {
      clearTimeout(timer);
      latest = undefined;
    },
  };
}
