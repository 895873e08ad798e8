import type { Redis } from 'ioredis';

// BullMQ waits for a lost connection rather than failing its lock renewals, so it would not tell. A lock lives
// --stalled-after from its last renewal, renewed every half of it: unreachable for half of it, the lock may be
// gone, and another worker may have the job. A ping every second (or a quarter of --stalled-after) says how long
// Redis has been away; `onAway` is called on every tick past half of it. Returns the function that stops it.
// `client` must have no offline queue, so that a ping fails at once while Redis is away.
export function watchRedis(client: Pick<Redis, 'ping'>, stalledAfterMs: number, onAway: (awayMs: number) => void): () => void {
  // One ping at a time; Redis counts as reached when a ping was sent (a slow answer is still an answer).
  let reachedAt = Date.now();
  let pinging = false;
  const timer = setInterval(() => {
    if (!pinging) {
      pinging = true;
      const sent = Date.now();
      void client
        .ping()
        .then(() => (reachedAt = Math.max(reachedAt, sent)), () => {})
        .finally(() => (pinging = false));
    }
    const away = Date.now() - reachedAt;
    if (away >= stalledAfterMs / 2) onAway(away);
    // Pings well inside the threshold: a healthy Redis is never further away than one period.
  }, Math.min(1000, stalledAfterMs / 4)).unref();
  return () => clearInterval(timer);
}
