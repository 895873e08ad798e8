import { setTimeout as sleep } from 'node:timers/promises';
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ProcessResult } from '../core/result.js';
import { RUN_KEY_TTL_MS, runKey } from './connection.js';
import type { ProcessJob } from './job.js';

// What an operator does to the queue by hand (`main queue retry|clean|pause|resume`), one function each.

export type FinishedState = 'completed' | 'failed';

// Remove the completed and/or failed jobs that finished longer ago than `olderThanMs`; how many of each went.
export async function cleanJobs(queue: Queue, olderThanMs: number, states: readonly FinishedState[]): Promise<Record<FinishedState, number>> {
  const removed = { completed: 0, failed: 0 };
  for (const state of states) removed[state] = (await queue.clean(olderThanMs, 0, state)).length;
  return removed;
}

export interface RetryOutcome {
  id: string;
  process: string;
  runId: string;
  /** completed, failed, or not retried (the job is not a failed one). */
  state: string;
  result?: ProcessResult;
  reason?: string;
}

const POLL_MS = 500;

// Put failed jobs (those of `ids`, or every failed one) back in the queue and wait for each to end. A worker runs a
// job only while its producer waits for it (its run key): here this command is that producer, and keeps the keys
// alive until the jobs have ended.
export async function retryJobs(queue: Queue<ProcessJob>, client: Redis, ids: readonly string[] | undefined, onEnd: (o: RetryOutcome) => void): Promise<RetryOutcome[]> {
  const jobs = ids?.length ? await Promise.all(ids.map(async (id) => ({ id, job: await queue.getJob(id) }))) : (await queue.getJobs(['failed'], 0, -1)).map((job) => ({ id: job.id!, job }));
  const outcomes: RetryOutcome[] = [];
  const waiting: Array<Job<ProcessJob>> = [];
  for (const { id, job } of jobs) {
    const state = job ? await job.getState() : 'missing';
    if (!job || state !== 'failed') {
      const o = { id, process: job?.data.process ?? '-', runId: job?.data.runId ?? '-', state: `not retried: it is ${state === 'missing' ? 'not in the queue' : state}` };
      outcomes.push(o);
      onEnd(o);
      continue;
    }
    waiting.push(job);
  }
  const keepAlive = () => Promise.all(waiting.map((job) => client.set(runKey(job.data.runId), '1', 'PX', RUN_KEY_TTL_MS)));
  await keepAlive();
  const beat = setInterval(() => void keepAlive().catch(() => {}), RUN_KEY_TTL_MS / 3);
  try {
    for (const job of waiting) await job.retry('failed');
    const open = new Set(waiting);
    while (open.size) {
      await sleep(POLL_MS);
      for (const job of open) {
        const now = await queue.getJob(job.id!);
        const state = now ? await now.getState() : 'missing';
        if (state !== 'completed' && state !== 'failed' && state !== 'missing') continue;
        open.delete(job);
        const result = (state === 'completed' ? now?.returnvalue : now?.data.result) as ProcessResult | undefined;
        const o: RetryOutcome = { id: job.id!, process: job.data.process, runId: job.data.runId, state, ...(result ? { result } : {}), ...(now?.failedReason ? { reason: now.failedReason } : {}) };
        outcomes.push(o);
        onEnd(o);
      }
    }
  } finally {
    clearInterval(beat);
  }
  return outcomes;
}
