import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { cleanJobs, retryJobs, type RetryOutcome } from '../queue/admin.js';
import { probe, QUEUE_NAME, QUEUE_PREFIX } from '../queue/connection.js';
import type { ProcessJob } from '../queue/job.js';
import { queueTarget } from '../queue/target.js';
import type { QueueAdminArgs } from './args.js';
import type { Output } from './output.js';
import { passwordHint } from './queue-command.js';

// `main queue retry|clean|pause|resume`: what an operator does to the queue by hand. Exit 1 when the queue cannot be
// reached, or (retry) when a job retried fails again or could not be retried.
export async function queueAdminCommand(args: QueueAdminArgs, io: Output): Promise<number> {
  const target = queueTarget(args.queue);
  try {
    await probe(target);
  } catch (error) {
    io.err(`main: ${(error as Error).message}${passwordHint(error as Error, target)}`);
    return 1;
  }
  const queue = new Queue<ProcessJob>(QUEUE_NAME, { connection: target.connection, prefix: QUEUE_PREFIX });
  queue.on('error', () => {}); // a failure is reported below, once
  const client = new Redis({ ...target.connection, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  try {
    switch (args.action) {
      case 'pause':
        await queue.pause();
        io.out(`Paused ${target.shown}: workers take no new job (those running go on) until \`main queue resume\`.\n`);
        return 0;
      case 'resume':
        await queue.resume();
        io.out(`Resumed ${target.shown}: workers take jobs again.\n`);
        return 0;
      case 'clean': {
        const removed = await cleanJobs(queue, args.olderThan * 1000, args.states);
        io.out(args.json ? `${JSON.stringify({ removed }, null, 2)}\n` : `Removed ${args.states.map((s) => `${removed[s]} ${s}`).join(' and ')} job(s) older than ${args.olderThan} s from ${target.shown}.\n`);
        return 0;
      }
      case 'retry': {
        const outcomes = await retryJobs(queue, client, args.jobIds, (o) => void (args.json || io.out(`${describe(o)}\n`)));
        if (args.json) io.out(`${JSON.stringify(outcomes, null, 2)}\n`);
        else if (!outcomes.length) io.out(`No failed job in ${target.shown}.\n`);
        return outcomes.every((o) => o.state === 'completed' && o.result?.status !== 'failed') ? 0 : 1;
      }
    }
  } catch (error) {
    io.err(`main: cannot ${args.action} the queue at ${target.shown}: ${(error as Error).message}`);
    return 1;
  } finally {
    client.disconnect();
    await queue.close().catch(() => {});
  }
}

// "job 7 (broken, run …-3f2a): completed: success in 1.2 s"
function describe(o: RetryOutcome): string {
  const head = `job ${o.id}${o.process === '-' ? '' : ` (${o.process}, run ${o.runId})`}: ${o.state}`;
  if (o.result) return `${head}: ${o.result.status} in ${(o.result.durationMs / 1000).toFixed(1)} s${o.result.error ? `: ${o.result.error.code}: ${o.result.error.message}` : ''}`;
  return o.reason ? `${head}: ${o.reason}` : head;
}
