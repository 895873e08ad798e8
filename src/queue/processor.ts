import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RunObserver } from '../core/observer.js';
import type { Progress } from '../core/pipeline.js';
import type { ProcessSpec } from '../core/process.js';
import type { ProcessResult } from '../core/result.js';
import type { Logging } from '../logging/logger.js';
import type { Redactor } from '../logging/redact.js';
import { projectFolder } from '../config/project.js';
import { runLogged } from '../orchestrator/run.js';
import type { StateStore } from '../state/store.js';
import { runKey } from './connection.js';
import { admit, producerGone, verdict, type StoppedBy } from './decision.js';
import type { JobFailure, JobProgress, ProcessJob } from './job.js';

export interface ProcessorOptions {
  /** `host:pid`, in messages and in the job's progress. */
  worker: string;
  configDir: string;
  /** The processes of this worker's own files, by name (replaced on SIGHUP). */
  processes: Map<string, ProcessSpec>;
  logging: Logging;
  redactor: Redactor;
  store: StateStore;
  stalledAfterMs: number;
  graceMs: number;
  /** The worker is stopping: running jobs get graceMs, then are stopped. */
  stop: AbortSignal;
  /** A connection without offline queue, for the worker's own questions to Redis. */
  client: Redis;
}

// A job running here: `stop` (graceful), `kill` (now), and why it was stopped from outside, if it was.
export interface RunningJob {
  stop: AbortController;
  kill: AbortController;
  why?: StoppedBy;
}

const PROGRESS_EVERY_MS = 250;

// The BullMQ processor of `main worker`: admit the job, run its process through the same runner as a local run
// (runLogged: a child process, its logs, its timeout), and act on the verdict. `running` holds the jobs under way.
export function jobProcessor(options: ProcessorOptions, running: Map<string, RunningJob>) {
  const log = options.logging.root;
  // Written to the job before the throw: the producer reads the object; BullMQ's reason is for people.
  const fail = async (job: Job<ProcessJob>, failure: JobFailure, retry: boolean, result?: ProcessResult): Promise<never> => {
    // Best effort: with Redis away the reason below is all the producer will have (it reports it as E_QUEUE).
    await job.updateData({ ...job.data, failure, result }).catch(() => {});
    const reason = `${failure.code}: ${failure.message}`;
    throw retry ? new Error(reason) : new UnrecoverableError(reason);
  };
  return async (job: Job<ProcessJob>, token?: string): Promise<ProcessResult> => {
    const data = job.data;
    const admission = admit(data, options.processes.get(data.process), { name: options.worker, configDir: options.configDir });
    if (!admission.run) return fail(job, admission.failure, false);
    if ((await options.client.exists(runKey(data.runId))) !== 1) return fail(job, producerGone(data.runId), false);
    // What an earlier attempt reported is not this attempt's result.
    if (data.result || data.failure) await job.updateData({ ...data, result: undefined, failure: undefined });
    const entry: RunningJob = { stop: new AbortController(), kill: new AbortController() };
    const onStop = () => setTimeout(() => entry.stop.abort('SIGTERM'), options.graceMs).unref();
    options.stop.addEventListener('abort', onStop, { once: true });
    running.set(job.id!, entry);
    const progress = progressToJob(job);
    try {
      // Not awaited: the child need not wait for the producer to be told (a Redis round trip).
      void job.updateProgress({ started: { worker: options.worker, pid: process.pid } } satisfies JobProgress).catch(() => {});
      const result = await runLogged(admission.spec, data.runId, {
        logging: options.logging,
        store: options.store,
        stop: entry.stop.signal,
        force: entry.kill.signal,
        date: data.date,
        graceMs: options.graceMs,
        observers: [progress],
        cwd: projectFolder(options.configDir),
        // A file handed off by `logs serve` waits for a run of its process under way; a scheduled run is skipped.
        lock: { wait: Boolean(data.inputs), self: 'this worker' },
      });
      progress.close!();
      const lockKept = entry.why === 'lost' ? await job.extendLock(token!, options.stalledAfterMs).then(Boolean, () => false) : undefined;
      const clean = options.redactor.value(result) as ProcessResult;
      const next = verdict({ result: clean, stoppedBy: entry.why, workerStopping: options.stop.aborted, lockKept, worker: options.worker });
      switch (next.action) {
        case 'complete':
          return next.result;
        case 'requeue':
          if (next.why === 'lock kept') log.warn(`Job ${job.id}: Redis answers again and the job is still this worker's; it goes back to the queue.`);
          await job.moveToWait(token);
          throw new WaitingError();
        case 'fail':
          return await fail(job, next.failure, next.retry, next.result);
      }
    } finally {
      progress.close!();
      running.delete(job.id!);
      options.stop.removeEventListener('abort', onStop);
    }
  };
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
