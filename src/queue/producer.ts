import { resolve } from 'node:path';
import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { ProcessSpec } from '../config/index.js';
import type { Executor, ExecuteHooks } from '../orchestrator/executor.js';
import type { ProcessResult } from '../orchestrator/summary.js';
import { ErrorCode } from '../pipelines/errors.js';
import type { Logger } from 'winston';
import type { Redactor } from '../logging/redact.js';
import { CANCEL_CHANNEL, QUEUE_NAME, QUEUE_PREFIX, queueTarget, type QueueTarget } from './connection.js';
import { codedReason, definitionHash, type JobProgress, type ProcessJob } from './job.js';

const CONNECT_TIMEOUT_MS = 10_000;
const WATCH_MS = 5_000;

export interface ProducerOptions {
  /** Tries per job, the first included (BullMQ's attempts); a failed, timed-out or interrupted process is tried again. */
  attempts: number;
  /** First retry delay; each next one doubles (BullMQ's exponential backoff). */
  backoffMs: number;
  date?: string;
  /** How long a worker may take to answer a stop before the process is reported interrupted anyway. */
  graceMs: number;
}

// Runs each process as a job on the queue and waits for its worker's result: `main --queue`, `main schedule
// --queue` and `logs serve --queue` use it in place of the local child process.
export class QueueExecutor implements Executor {
  private constructor(
    private readonly target: QueueTarget,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly publisher: Redis,
    private readonly options: ProducerOptions,
  ) {}

  static async open(target: QueueTarget, options: ProducerOptions): Promise<QueueExecutor> {
    // QueueEvents reads the event stream from where it stands when its first read starts: an event written
    // between that and the first job (a fast worker's "started", even "completed") would be missed, and its
    // wait would never end. Reading from the stream's last id now closes that gap.
    const lastEventId = await probe(target, `${QUEUE_PREFIX}:${QUEUE_NAME}:events`);
    const queue = new Queue(QUEUE_NAME, { connection: target.connection, prefix: QUEUE_PREFIX });
    const events = new QueueEvents(QUEUE_NAME, { connection: target.connection, prefix: QUEUE_PREFIX, lastEventId });
    const publisher = new Redis({ ...target.connection, lazyConnect: true });
    // Later connection errors are retried by BullMQ and ioredis; a job waits for the connection to come back.
    queue.on('error', () => {});
    events.on('error', () => {});
    publisher.on('error', () => {});
    // Before the first job: an event sent before QueueEvents listens is never seen.
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), publisher.connect()]);
    return new QueueExecutor(target, queue, events, publisher, options);
  }

  /** Workers connected now (each `main worker` registers under its name). */
  async workers(): Promise<number> {
    return (await this.queue.getWorkers()).length;
  }

  async run(spec: ProcessSpec, runId: string, hooks: ExecuteHooks): Promise<ProcessResult> {
    const started = new Date();
    const data: ProcessJob = { process: spec.name, hash: definitionHash(spec), runId, ...(this.options.date ? { date: this.options.date } : {}), ...(spec.inputs ? { inputs: spec.inputs.map((p) => resolve(p)) } : {}) };
    // A colon separates the parts of BullMQ's keys: none in a job id.
    const jobId = `${runId.replace(/:/g, '')}.${spec.name}`;
    const job = await this.queue.add(spec.name, data, {
      jobId,
      attempts: this.options.attempts,
      backoff: { type: 'exponential', delay: this.options.backoffMs },
      removeOnComplete: { age: 7 * 86_400, count: 10_000 },
      removeOnFail: { age: 30 * 86_400 },
    });
    hooks.log.info(`Queued as job ${job.id} on ${this.target.shown}.`);
    const onProgress = ({ jobId: id, data: sent }: { jobId: string; data: unknown }) => {
      if (id !== job.id) return;
      const p = sent as JobProgress;
      if ('progress' in p) {
        hooks.progress(p.progress);
        hooks.log.debug(`Progress on the worker: ${p.progress.done}${p.progress.total ? `/${p.progress.total}` : ''} ${p.progress.unit}.`);
      }
      else if ('started' in p) hooks.log.info(`Running on worker ${p.started.worker} (pid ${p.started.pid}).`);
    };
    this.events.on('progress', onProgress);
    let stopped: (() => void) | undefined;
    const stopping = new Promise<'stopped'>((resolve) => (stopped = () => resolve('stopped')));
    // Interrupted: waiting jobs are withdrawn, running ones are asked to stop.
    const onStop = () => stopped!();
    if (hooks.stop.aborted) onStop();
    else hooks.stop.addEventListener('abort', onStop, { once: true });
    try {
      const watch = new AbortController();
      const finished = Promise.race([
        job.waitUntilFinished(this.events).then(
          (value: ProcessResult) => ({ value }),
          (error: Error) => ({ error }),
        ),
        this.watch(job.id!, watch.signal),
      ]).finally(() => watch.abort());
      const first = await Promise.race([finished, stopping]);
      if (first !== 'stopped') return 'value' in first ? first.value : await this.failed(spec, job.id!, started, first.error);
      return await this.withdraw(spec, job, started, finished, String(hooks.stop.reason ?? 'SIGTERM'));
    } finally {
      this.events.off('progress', onProgress);
      hooks.stop.removeEventListener('abort', onStop);
    }
  }

  // The events are the fast path; this is the safety net. Every few seconds, the job itself: finished while its
  // event was lost (a reconnection), or gone (Redis restarted without persistence, a job removed by hand). A
  // wait that cannot end must not hang `main` for ever.
  private async watch(jobId: string, signal: AbortSignal): Promise<{ value: ProcessResult } | { error: Error }> {
    while (!signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, WATCH_MS).unref());
      if (signal.aborted) break;
      let job: Job<ProcessJob, ProcessResult> | undefined;
      let state: string;
      try {
        job = await Job.fromId<ProcessJob, ProcessResult>(this.queue, jobId);
        state = job ? await job.getState() : 'unknown';
      } catch {
        continue; // Redis away: ioredis reconnects; look again next time
      }
      if (state === 'completed' && job?.returnvalue) return { value: job.returnvalue };
      if (state === 'failed') return { error: new Error(job?.failedReason ?? 'failed') };
      if (state === 'unknown') return { error: new Error(`${ErrorCode.Queue}: job ${jobId} is no longer in the queue (removed, or Redis restarted without persistence)`) };
    }
    return new Promise(() => {}); // the events answered first
  }

  // Interrupted: a job no worker has taken is removed; a running one is asked to stop and has the grace period.
  private async withdraw(spec: ProcessSpec, job: Job, started: Date, finished: Promise<{ value: ProcessResult } | { error: Error }>, signal: string): Promise<ProcessResult> {
    const why = `interrupted by ${signal}`;
    const removed = await job.remove().then(
      () => true,
      () => false, // locked by a worker: it is running
    );
    if (removed) return interrupted(spec, started, `${why} before a worker took job ${job.id}; it was withdrawn from the queue`);
    await this.publisher.publish(CANCEL_CHANNEL, job.id!);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), this.options.graceMs + 5000)));
    const outcome = await Promise.race([finished, late]);
    clearTimeout(timer);
    if (outcome === 'late') return interrupted(spec, started, `${why}; the worker running job ${job.id} did not answer the stop within ${this.options.graceMs / 1000 + 5} s`);
    return 'value' in outcome ? outcome.value : await this.failed(spec, job.id!, started, outcome.error);
  }

  // The worker's own result when it wrote one before failing, else the reason BullMQ kept.
  private async failed(spec: ProcessSpec, jobId: string, started: Date, error: Error): Promise<ProcessResult> {
    const job = (await Job.fromId(this.queue, jobId)) as Job<ProcessJob> | undefined;
    const attempts = job ? ` (attempt ${job.attemptsMade} of ${this.options.attempts})` : '';
    const result = job?.data.result;
    if (result) return result.error ? { ...result, error: { ...result.error, message: `${result.error.message}${attempts}` } } : result;
    const { code, message } = codedReason(job?.failedReason ?? error.message);
    return { name: spec.name, file: spec.file, type: spec.type, status: 'failed', startedAt: started.toISOString(), durationMs: Date.now() - started.getTime(), error: { code: code ?? ErrorCode.Queue, message: `${message}${attempts}` } };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    this.publisher.disconnect();
  }
}

function interrupted(spec: ProcessSpec, started: Date, message: string): ProcessResult {
  return { name: spec.name, file: spec.file, type: spec.type, status: 'interrupted', startedAt: started.toISOString(), durationMs: Date.now() - started.getTime(), error: { code: ErrorCode.Interrupted, message } };
}

// One connection that gives up at once, before BullMQ's own (which retry for ever, and cannot be closed
// cleanly while they are still connecting): an unreachable Redis is a clear error, not a hang.
export async function probe(target: QueueTarget, stream?: string): Promise<string> {
  const client = new Redis({ ...target.connection, lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let cause: Error | undefined;
  client.on('error', (error: Error) => (cause ??= error));
  try {
    await client.connect();
    await client.ping();
    // The id of the last entry of `stream` (0-0 when it is empty), for a reader that must miss nothing after it.
    return stream ? ((await client.xrevrange(stream, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0') : '';
  } catch (error) {
    throw new QueueUnreachable(`cannot reach the queue at ${target.shown}: ${(cause ?? (error as Error)).message.replace(/\.$/, '')}`);
  } finally {
    client.disconnect();
  }
}

export class QueueUnreachable extends Error {
  override name = 'QueueUnreachable';
}

// The executor of `--queue`, for main, schedule and logs serve: the queue's password joins the redacted
// secrets, and a producer with no worker listening says so (its jobs wait for one).
export async function openQueue(args: { queue?: string; attempts: number; backoff: number }, context: { date?: string; redactor: Redactor; log: Logger; graceMs?: number }): Promise<QueueExecutor> {
  const target = queueTarget(args.queue!);
  if (target.connection.password) context.redactor.add([target.connection.password]);
  const executor = await QueueExecutor.open(target, { attempts: args.attempts, backoffMs: args.backoff * 1000, date: context.date, graceMs: context.graceMs ?? 10_000 });
  if ((await executor.workers()) === 0) context.log.warn(`No worker is connected to ${target.shown} yet: the jobs wait until one is (main worker --queue …).`);
  return executor;
}
