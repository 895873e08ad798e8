import { setMaxListeners } from 'node:events';
import { resolve } from 'node:path';
import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'winston';
import type { ProcessSpec } from '../core/process.js';
import type { Redactor } from '../logging/redact.js';
import type { Executor, ExecuteHooks } from '../orchestrator/executor.js';
import type { ProcessResult } from '../core/result.js';
import type { Progress } from '../core/pipeline.js';
import { ErrorCode } from '../core/errors.js';
import { CANCEL_CHANNEL, cancelMessage, probe, QUEUE_NAME, QUEUE_PREFIX, RUN_KEY_TTL_MS, runKey } from './connection.js';
import { queueTarget, type QueueTarget } from './target.js';
import { definitionHash, type JobFailure, type JobProgress, type ProcessJob } from './job.js';

// How often the producer looks at each job itself, and renews the keys that tell workers it still waits.
const WATCH_MS = 5_000;
// A Redis call made while stopping: past this, Redis is taken to be away and the stop goes on without it.
const STOP_CALL_MS = 3_000;
// A producer that cannot reach Redis for this long stops waiting for its jobs (they may still run).
const GIVE_UP_MS = 5 * 60_000;

export interface ProducerOptions {
  /** Tries per job, the first included (BullMQ's attempts); a failed or timed-out process is tried again. */
  attempts: number;
  /** First retry delay; each next one doubles (BullMQ's exponential backoff). */
  backoffMs: number;
  /** How long a worker may take to answer a stop before the process is reported interrupted anyway. */
  graceMs: number;
}

// How a job ended, as far as the producer saw: its result, or a failure of its own seeing (the job's data may say more).
type Outcome = { value: ProcessResult } | { failure: JobFailure };

// Runs each process as a job on the queue and waits for its worker's result: `main --queue`, `main schedule
// --queue` and `logs serve --queue` use it in place of the local child process.
export class QueueExecutor implements Executor {
  // One listener for every job's progress (a listener per job would pass Node's limit of ten at once).
  private readonly progress = new Map<string, (p: JobProgress) => void>();
  // Runs with jobs in flight: their keys are renewed so that workers know someone still waits.
  private readonly runs = new Map<string, number>();
  private readonly renew: NodeJS.Timeout;

  private constructor(
    private readonly target: QueueTarget,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly client: Redis,
    private readonly options: ProducerOptions,
  ) {
    events.on('progress', ({ jobId, data }: { jobId: string; data: unknown }) => this.progress.get(jobId)?.(data as JobProgress));
    this.renew = setInterval(() => void this.renewRuns(), WATCH_MS).unref();
  }

  static async open(target: QueueTarget, options: ProducerOptions): Promise<QueueExecutor> {
    // QueueEvents reads the event stream from where it stands when its first read starts: an event written
    // between that and the first job (a fast worker's "started", even "completed") would be missed. Reading
    // from the stream's last id now closes that gap.
    const lastEventId = await probe(target, `${QUEUE_PREFIX}:${QUEUE_NAME}:events`);
    const queue = new Queue(QUEUE_NAME, { connection: target.connection, prefix: QUEUE_PREFIX });
    const events = new QueueEvents(QUEUE_NAME, { connection: target.connection, prefix: QUEUE_PREFIX, lastEventId });
    const client = new Redis({ ...target.connection, lazyConnect: true });
    // Each waiting job adds listeners of BullMQ's own (waitUntilFinished): as many as the jobs in flight.
    queue.setMaxListeners(0);
    events.setMaxListeners(0);
    // Later connection errors are retried by BullMQ and ioredis; a job waits for the connection to come back.
    queue.on('error', () => {});
    events.on('error', () => {});
    client.on('error', () => {});
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), client.connect()]);
    return new QueueExecutor(target, queue, events, client, options);
  }

  /** Workers connected now, or undefined when Redis will not say (an ACL without CLIENT LIST). */
  async workers(): Promise<number | undefined> {
    return this.queue.getWorkers().then(
      (list) => list.length,
      () => undefined,
    );
  }

  async run(spec: ProcessSpec, runId: string, hooks: ExecuteHooks): Promise<ProcessResult> {
    const started = new Date();
    // Every job in flight listens to the run's signals: as many listeners as jobs, on purpose.
    setMaxListeners(0, hooks.stop, ...(hooks.force ? [hooks.force] : []));
    const data: ProcessJob = { process: spec.name, hash: definitionHash(spec), runId, ...(hooks.date ? { date: hooks.date } : {}), ...(spec.inputs ? { inputs: spec.inputs.map((p) => resolve(p)) } : {}) };
    // A colon separates the parts of BullMQ's keys: none in a job id.
    const jobId = `${runId.replace(/:/g, '')}.${spec.name}`;
    this.runs.set(runId, (this.runs.get(runId) ?? 0) + 1);
    try {
      await this.renewRun(runId);
      this.progress.set(jobId, (p) => {
        if ('started' in p) return void hooks.log.info(`Running on worker ${p.started.worker} (pid ${p.started.pid}).`);
        hooks.progress(p.progress as Progress);
        hooks.log.debug(`Progress on the worker: ${p.progress.done}${p.progress.total ? `/${p.progress.total}` : ''} ${p.progress.unit}.`);
      });
      const job = await this.queue.add(spec.name, data, {
        jobId,
        attempts: this.options.attempts,
        backoff: { type: 'exponential', delay: this.options.backoffMs },
        removeOnComplete: { age: 7 * 86_400, count: 10_000 },
        removeOnFail: { age: 30 * 86_400 },
      });
      hooks.log.info(`Queued as job ${job.id} on ${this.target.shown}.`);
      const watching = new AbortController();
      const finished = Promise.race([
        job.waitUntilFinished(this.events).then(
          (value: ProcessResult) => ({ value }),
          (error: Error) => ({ failure: { code: ErrorCode.Queue, message: error.message } }),
        ),
        this.watch(jobId, watching.signal),
      ]).finally(() => watching.abort());
      const stopped = aborted(hooks.stop);
      try {
        const first = await Promise.race([finished, stopped.promise]);
        if (first !== 'aborted') return await this.settle(spec, jobId, started, first);
      } finally {
        stopped.dispose();
      }
      return await this.withdraw(spec, job, started, finished, hooks);
    } finally {
      this.progress.delete(jobId);
      const left = (this.runs.get(runId) ?? 1) - 1;
      if (left > 0) this.runs.set(runId, left);
      else this.runs.delete(runId);
    }
  }

  // The events are the fast path; this is the safety net. Every few seconds, the job itself: finished while its
  // event was lost (a reconnection), or gone (Redis restarted without persistence, a job removed by hand).
  private async watch(jobId: string, signal: AbortSignal): Promise<Outcome> {
    let reachedAt = Date.now();
    while (!signal.aborted) {
      await new Promise((r) => setTimeout(r, WATCH_MS).unref());
      if (signal.aborted) break;
      let job: Job<ProcessJob, ProcessResult> | undefined;
      let state: string;
      try {
        const look = Promise.all([Job.fromId<ProcessJob, ProcessResult>(this.queue, jobId)]).then(async ([found]) => [found, found ? await found.getState() : 'unknown'] as const);
        const seen = await bounded(look, WATCH_MS);
        if (seen === 'late') throw new Error('no answer');
        [job, state] = seen;
        reachedAt = Date.now();
      } catch {
        // Redis away: ioredis reconnects, and the job goes on without us. Not for ever: a run must end.
        if (Date.now() - reachedAt < GIVE_UP_MS) continue;
        return { failure: { code: ErrorCode.Queue, message: `Redis at ${this.target.shown} did not answer for ${GIVE_UP_MS / 60_000} min; what became of job ${jobId} is unknown` } };
      }
      if (state === 'completed' && job?.returnvalue) return { value: job.returnvalue };
      if (state === 'failed') return { failure: { code: ErrorCode.Queue, message: job?.failedReason || 'failed' } };
      if (state === 'unknown') return { failure: { code: ErrorCode.Queue, message: `job ${jobId} is no longer in the queue (removed, or Redis restarted without persistence)` } };
    }
    return new Promise(() => {}); // the events answered first
  }

  // Interrupted: a job no worker has taken is removed; a running one is asked to stop and has the grace period.
  // Every Redis call here is bounded (Redis may be what failed), and a second signal ends the wait at once.
  private async withdraw(spec: ProcessSpec, job: Job, started: Date, finished: Promise<Outcome>, hooks: ExecuteHooks): Promise<ProcessResult> {
    const signal = String(hooks.stop.reason ?? 'SIGTERM');
    const why = `interrupted by ${signal}`;
    const state = await bounded(job.getState(), STOP_CALL_MS);
    if (state === 'waiting' || state === 'delayed' || state === 'prioritized') {
      const removed = await bounded(
        job.remove().then(() => true, () => false),
        STOP_CALL_MS,
      );
      if (removed) return interrupted(spec, started, `${why} before a worker took job ${job.id}; it was withdrawn from the queue`);
    }
    await bounded(this.client.publish(CANCEL_CHANNEL, cancelMessage(job.id!, signal)), STOP_CALL_MS);
    const waitMs = this.options.graceMs + 5000;
    const forced = aborted(hooks.force ?? new AbortController().signal);
    const outcome = await Promise.race([finished, delay(waitMs), forced.promise]).finally(() => forced.dispose());
    if (outcome === 'aborted') return interrupted(spec, started, `${why}; stopped waiting for the worker of job ${job.id} on a second signal`);
    if (outcome === 'late') return interrupted(spec, started, `${why}; the worker of job ${job.id} did not answer the stop within ${waitMs / 1000} s`);
    return this.settle(spec, job.id!, started, outcome);
  }

  // The worker's result, or when the job failed: the result its last attempt wrote, else the failure it wrote (a
  // refusal), else the reason BullMQ kept (a job that stalled too often: no worker of ours said why).
  private async settle(spec: ProcessSpec, jobId: string, started: Date, outcome: Outcome): Promise<ProcessResult> {
    if ('value' in outcome) return outcome.value;
    const job = (await bounded(Job.fromId(this.queue, jobId), STOP_CALL_MS)) as Job<ProcessJob> | undefined | 'late';
    const known = job && job !== 'late' ? job : undefined;
    // attemptsMade counts the tries that ended in a failure; a stall or a worker's shutdown is not one.
    const tried = known ? Math.max(1, known.attemptsMade) : 0;
    const attempts = known ? ` (attempt ${tried} of ${this.options.attempts})` : '';
    const result = known?.data.result;
    if (result) return result.error && result.status !== 'interrupted' ? { ...result, error: { ...result.error, message: `${result.error.message}${attempts}` } } : result;
    const failure = known?.data.failure ?? (known?.failedReason ? { code: ErrorCode.Queue, message: known.failedReason } : outcome.failure);
    return { name: spec.name, file: spec.file, type: spec.type, status: 'failed', startedAt: started.toISOString(), durationMs: Date.now() - started.getTime(), error: { code: failure.code, message: `${failure.message}${attempts}` } };
  }

  private async renewRuns(): Promise<void> {
    await Promise.all([...this.runs.keys()].map((id) => this.renewRun(id).catch(() => {})));
  }

  private renewRun(runId: string): Promise<unknown> {
    return this.client.set(runKey(runId), '1', 'PX', RUN_KEY_TTL_MS);
  }

  async close(): Promise<void> {
    clearInterval(this.renew);
    this.client.disconnect();
    // A clean close waits for Redis. When Redis is away, drop BullMQ's clients themselves: its own
    // disconnect() waits for an 'end' that a reconnecting ioredis client never sends.
    if ((await bounded(Promise.allSettled([this.events.close(), this.queue.close()]), STOP_CALL_MS)) === 'late') {
      for (const client of await Promise.all([this.events.getBackend().client, this.queue.getBackend().client])) client.disconnect();
    }
  }
}

function interrupted(spec: ProcessSpec, started: Date, message: string): ProcessResult {
  return { name: spec.name, file: spec.file, type: spec.type, status: 'interrupted', startedAt: started.toISOString(), durationMs: Date.now() - started.getTime(), error: { code: ErrorCode.Interrupted, message } };
}

// A promise for the signal's abort, and the removal of its listener: a scheduler's signal lives for months.
function aborted(signal: AbortSignal): { promise: Promise<'aborted'>; dispose(): void } {
  let listener = () => {};
  const promise = new Promise<'aborted'>((resolve) => {
    listener = () => resolve('aborted');
    if (signal.aborted) resolve('aborted');
    else signal.addEventListener('abort', listener, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener('abort', listener) };
}

function delay(ms: number): Promise<'late'> {
  return new Promise((resolve) => setTimeout(() => resolve('late'), ms).unref());
}

function bounded<T>(promise: Promise<T>, ms: number): Promise<T | 'late'> {
  return Promise.race([promise.catch(() => 'late' as const), delay(ms)]);
}

// The executor of `--queue`, for main, schedule and logs serve: the queue's password joins the redacted
// secrets, and a producer with no worker listening says so (its jobs wait for one).
export async function openQueue(args: { queue?: string; attempts: number; backoff: number }, context: { redactor: Redactor; log: Logger; graceMs?: number }): Promise<QueueExecutor> {
  const target = queueTarget(args.queue!);
  if (target.connection.password) context.redactor.add([target.connection.password]);
  const executor = await QueueExecutor.open(target, { attempts: args.attempts, backoffMs: args.backoff * 1000, graceMs: context.graceMs ?? 10_000 });
  if ((await executor.workers()) === 0) context.log.warn(`No worker is connected to ${target.shown} yet: the jobs wait until one is (main worker --queue …).`);
  return executor;
}
