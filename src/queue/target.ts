import type { RedisOptions } from 'ioredis';

// The --queue URL read into a connection: apart from connection.ts so that parsing the command line loads no
// Redis client.
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

// Redis did not answer at start: the command says so and exits 1, nothing run.
export class QueueUnreachable extends Error {
  override name = 'QueueUnreachable';
}
