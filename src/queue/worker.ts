import { hostname } from 'node:os';
import { isNotConnectionError, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'winston';
import type { ProcessResult } from '../core/result.js';
import { CANCEL_CHANNEL, parseCancel, QUEUE_NAME, QUEUE_PREFIX } from './connection.js';
import type { ProcessJob } from './job.js';
import { jobProcessor, type ProcessorOptions, type RunningJob } from './processor.js';
import type { QueueTarget } from './target.js';
import { watchRedis } from './watchdog.js';

// What a processor needs, but its name and its Redis client, which the worker makes.
export interface WorkerOptions extends Omit<ProcessorOptions, 'worker' | 'client'> {
  target: QueueTarget;
  concurrency: number;
  /** Aborted on a second signal: kill the running children now. */
  force: AbortSignal;
}

// `main worker`: takes jobs from the queue, `concurrency` at a time (processor.ts runs each), until stopped.
// Returns true after a clean close, false when Redis did not answer and it stopped without it.
export async function runWorker(options: WorkerOptions): Promise<boolean> {
  const name = `${hostname()}:${process.pid}`;
  const log = options.logging.root;
  const running = new Map<string, RunningJob>();
  const subscriber = await listenForCancels(options.target, (jobId, signal) => {
    const job = running.get(jobId);
    if (!job || job.why) return;
    job.why = 'cancelled';
    log.warn(`Job ${jobId}: its producer was interrupted by ${signal}; stopping the process.`);
    job.stop.abort(signal);
  });
  // No offline queue: a command fails at once while Redis is away (the watchdog counts on it).
  const client = new Redis({ ...options.target.connection, enableOfflineQueue: false });
  client.on('error', () => {});
  options.force.addEventListener('abort', () => running.forEach((j) => j.kill.abort(options.force.reason)), { once: true });

  const processor = jobProcessor({ ...options, worker: name, client }, running);
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
  logEvents(worker, log, options.target.shown);
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
  const stopWatching = watchRedis(client, options.stalledAfterMs, (away) => {
    for (const id of running.keys()) lose(id, `Redis has not answered for ${Math.round(away / 1000)} s`);
  });
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
  stopWatching();
  subscriber.disconnect();
  client.disconnect();
  if (!closed) {
    log.warn(`Redis at ${options.target.shown} does not answer: stopping without it. The jobs that were running go back to the queue once their locks run out.`);
    for (const c of await Promise.race([Promise.all([worker.getBackend().client]), new Promise<[]>((r) => setTimeout(() => r([]), 1000))])) c.disconnect();
  }
  return closed;
}

// The producers' "stop this job" messages (an interrupted `main`), on a connection of their own.
async function listenForCancels(target: QueueTarget, cancel: (jobId: string, signal: string) => void): Promise<Redis> {
  const subscriber = new Redis({ ...target.connection, lazyConnect: true });
  subscriber.on('error', () => {}); // the worker's own connection reports the outage
  subscriber.on('message', (_channel, message: string) => {
    const { jobId, signal } = parseCancel(message);
    cancel(jobId, signal);
  });
  await subscriber.connect();
  await subscriber.subscribe(CANCEL_CHANNEL);
  return subscriber;
}

// The worker's events, as log lines: the connection lost and back (said once each), failed and stalled jobs.
function logEvents(worker: Worker<ProcessJob, ProcessResult>, log: Logger, shown: string): void {
  let down = false;
  worker.on('error', (error) => {
    // Not the connection: a job that vanished under its worker (removed, Redis restarted empty), a script error.
    if (!isConnectionError(error)) return void log.warn(`Queue ${shown}: ${error.message}.`);
    if (down) return;
    down = true;
    log.warn(`Queue ${shown}: ${error.message}; retrying the connection.`);
  });
  worker.on('ready', () => {
    if (down) log.info(`Queue ${shown}: connected again.`);
    down = false;
  });
  worker.on('failed', (job, error) => job && log.warn(`Job ${job.id} (${job.data.process}) failed: ${error.message}${job.attemptsMade < (job.opts.attempts ?? 1) && !(error instanceof UnrecoverableError) ? '; it will be tried again' : ''}.`));
  worker.on('stalled', (jobId) => log.warn(`Job ${jobId} stalled (its worker stopped renewing its lock): this worker or another takes it again.`));
}

// BullMQ's own test knows ECONNREFUSED only; a cut connection says EPIPE, ECONNRESET …
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTCONN', 'EAI_AGAIN']);
function isConnectionError(error: Error): boolean {
  return !isNotConnectionError(error) || CONNECTION_CODES.has(String((error as NodeJS.ErrnoException).code)) || /Connection is closed/i.test(error.message);
}
