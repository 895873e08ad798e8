import { Redis } from 'ioredis';
import { QueueUnreachable, type QueueTarget } from './target.js';

// The one queue every command shares; two deployments on one Redis use two database numbers (redis://host/1).
export const QUEUE_NAME = 'processes';
export const QUEUE_PREFIX = 'sysadmintoolkit';
// Workers listen here for "stop this job" from a `main` that was interrupted: "<job id> <signal>".
export const CANCEL_CHANNEL = `${QUEUE_PREFIX}:cancel`;
export const cancelMessage = (jobId: string, signal: string) => `${jobId} ${signal}`;
export function parseCancel(message: string): { jobId: string; signal: string } {
  const [jobId = '', signal = 'SIGTERM'] = message.split(' ');
  return { jobId, signal: /^SIG[A-Z]+$/.test(signal) ? signal : 'SIGTERM' };
}

// A producer keeps this key alive while it waits for the jobs of a run; a worker refuses a job whose key is gone.
export const runKey = (runId: string) => `${QUEUE_PREFIX}:run:${runId}`;
export const RUN_KEY_TTL_MS = 30_000;

const CONNECT_TIMEOUT_MS = 10_000;

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
