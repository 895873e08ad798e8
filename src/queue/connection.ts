import { Redis, type RedisOptions } from 'ioredis';

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

export interface QueueTarget {
  /** ioredis's options, for BullMQ too: its own type of them takes no `retryStrategy: null`, which is not set here. */
  connection: Omit<RedisOptions, 'retryStrategy'>;
  /** The URL without its password: for logs and messages. */
  shown: string;
}

// redis://[user:password@]host[:port][/db] or rediss:// (TLS); the password from SAT_QUEUE_PASSWORD when the
// URL has none (a URL on the command line is visible to every user of the machine). Throws a message for a user.
export function queueTarget(url: string, env: NodeJS.ProcessEnv = process.env): QueueTarget {
  // Messages show the URL with its password masked: a mistyped URL still holds the real password.
  // Up to the last @: a password may hold / and @ itself.
  const shownRaw = url.replace(/^([^:/]*:\/\/[^:@/]*:)[^]*@/, '$1***@');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`expected --queue to be a Redis URL such as redis://localhost:6379, got "${shownRaw}"`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`expected --queue to be a redis:// or rediss:// URL, got "${parsed.protocol}//…"`);
  const db = parsed.pathname.replace(/^\//, '');
  if (db && !/^\d+$/.test(db)) throw new Error(`expected the database in --queue to be a number (redis://host:6379/0), got "${db}" in "${shownRaw}"`);
  const shownUrl = new URL(parsed.href);
  if (shownUrl.password) shownUrl.password = '***';
  if (!parsed.password && env.SAT_QUEUE_PASSWORD) parsed.password = encodeURIComponent(env.SAT_QUEUE_PASSWORD);
  return {
    shown: shownUrl.href,
    connection: {
      host: parsed.hostname.replace(/^\[|\]$/g, '') || 'localhost',
      port: parsed.port ? Number(parsed.port) : 6379,
      ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
      ...(db ? { db: Number(db) } : {}),
      ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
      // BullMQ's workers block on Redis: a command must wait for a reconnection, not fail after N tries.
      maxRetriesPerRequest: null,
    },
  };
}

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

export class QueueUnreachable extends Error {
  override name = 'QueueUnreachable';
}
