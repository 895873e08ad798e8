import { Queue } from 'bullmq';
import { probe, QUEUE_NAME, QUEUE_PREFIX } from '../queue/connection.js';
import { queueTarget, type QueueTarget } from '../queue/target.js';
import type { ProcessJob } from '../queue/job.js';
import type { QueueStatusArgs } from './args.js';
import type { Output } from './output.js';
import { renderTable } from './table.js';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

// `main queue status`: job counts, the workers connected, what runs now and the last failures. Exit 1 when
// the queue cannot be reached.
export async function queueStatusCommand(args: QueueStatusArgs, io: Output): Promise<number> {
  const target = queueTarget(args.queue);
  try {
    await probe(target);
  } catch (error) {
    io.err(`main: ${(error as Error).message}${passwordHint(error as Error, target)}`);
    return 1;
  }
  const queue = new Queue<ProcessJob>(QUEUE_NAME, { connection: target.connection, prefix: QUEUE_PREFIX });
  queue.on('error', () => {}); // a failure is reported below, once
  try {
    const counts = await queue.getJobCounts(...STATES);
    const workers = await queue.getWorkers();
    const active = await queue.getJobs(['active'], 0, 49);
    const failed = await queue.getJobs(['failed'], 0, 9);
    const status = {
      queue: target.shown,
      /** `main queue pause`: workers take no new job. */
      paused: await queue.isPaused(),
      counts: Object.fromEntries(STATES.map((s) => [s, counts[s] ?? 0])),
      // BullMQ names a worker's connection <prefix>:<queue, base64>:w:<name>; `main worker` names itself host:pid.
      workers: workers.map((w) => (w as { rawname?: string }).rawname?.split(':w:')[1] ?? w.name).filter(Boolean),
      active: active.map((j) => ({ id: j.id, process: j.data.process, runId: j.data.runId, since: j.processedOn ? new Date(j.processedOn).toISOString() : undefined, worker: j.processedBy, attempt: j.attemptsStarted })),
      failed: failed.map((j) => ({ id: j.id, process: j.data.process, runId: j.data.runId, at: j.finishedOn ? new Date(j.finishedOn).toISOString() : undefined, reason: j.failedReason })),
    };
    if (args.json) {
      io.out(`${JSON.stringify(status, null, 2)}\n`);
      return 0;
    }
    const lines = [`Queue ${status.queue}${status.paused ? ': PAUSED (workers take no new job; `main queue resume` lets them)' : ''}`, '', renderTable(['WAITING', 'ACTIVE', 'DELAYED', 'FAILED', 'COMPLETED'], [STATES.map((s) => String(status.counts[s]))]), ''];
    lines.push(`Workers connected: ${status.workers.length}${status.workers.length ? ` (${status.workers.join(', ')})` : ''}`);
    if (status.active.length) lines.push('', 'Running:', renderTable(['JOB', 'PROCESS', 'SINCE', 'WORKER', 'ATTEMPT'], status.active.map((j) => [j.id ?? '', j.process, j.since ?? '', j.worker ?? '', String(j.attempt ?? '')])));
    if (status.failed.length) lines.push('', 'Last failures:', renderTable(['JOB', 'PROCESS', 'AT', 'REASON'], status.failed.map((j) => [j.id ?? '', j.process, j.at ?? '', (j.reason ?? '').slice(0, 120)])));
    io.out(`${lines.join('\n')}\n`);
    return 0;
  } catch (error) {
    io.err(`main: cannot read the queue at ${target.shown}: ${(error as Error).message}`);
    return 1;
  } finally {
    await queue.close().catch(() => {});
  }
}

// Redis answered, but wants a password that neither the URL nor the environment gave: say where it goes.
export function passwordHint(error: Error, target: QueueTarget, env: NodeJS.ProcessEnv = process.env): string {
  if (!/NOAUTH|Authentication required/i.test(error.message) || target.connection.password || env.SAT_QUEUE_PASSWORD) return '';
  return '\nThis Redis asks for a password: put it in the SAT_QUEUE_PASSWORD environment variable (not in the URL, which other users of the machine can see).';
}
