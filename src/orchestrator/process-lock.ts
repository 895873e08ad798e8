import { setTimeout as sleep } from 'node:timers/promises';
import type { ProcessSpec } from '../core/process.js';
import type { Logging } from '../logging/logger.js';
import type { StateStore } from '../state/store.js';
import { skipped } from './summary.js';
import { type ProcessResult } from '../core/result.js';

export interface LockOptions {
  /** Wait for the run under way to end, instead of skipping this one (a file received while another is processed). */
  wait?: boolean;
  /** A holder whose heartbeat is older than this has died on another machine: its lock is taken over. */
  staleMs?: number;
  heartbeatMs?: number;
  /** This program, in a message about a lock it holds itself: "this scheduler". */
  self?: string;
}

const STALE_MS = 60_000;
const HEARTBEAT_MS = 10_000;
const WAIT_STEP_MS = 1000;

// One run of a process at a time, whatever starts it (main, schedule, a worker, logs serve): each takes the
// process's lock in the state store they share, and a second run is skipped naming the holder, or waits for it.
// A holder on this host whose process is gone, or whose heartbeat stopped, is taken over, and that is said.
export async function lockedRun(spec: ProcessSpec, runId: string, store: StateStore, logging: Logging, options: LockOptions & { stop: AbortSignal }, run: () => Promise<ProcessResult>): Promise<ProcessResult> {
  const name = `process:${spec.name}`;
  const staleMs = options.staleMs ?? STALE_MS;
  let lock = store.locks.tryLock(name, staleMs);
  while (!lock.ok && options.wait && !options.stop.aborted) {
    await sleep(WAIT_STEP_MS, undefined, { signal: options.stop }).catch(() => {});
    lock = store.locks.tryLock(name, staleMs);
  }
  if (!lock.ok) {
    const h = lock.holder;
    const who = h.pid === process.pid ? (options.self ?? 'this program') : `${h.host}:${h.pid}`;
    const why = `skipped: the previous run is still going (started ${h.acquiredAt} by ${who})`;
    logging.forProcess(spec, runId).warn(`${why[0]!.toUpperCase()}${why.slice(1)}.`);
    return skipped(spec, why);
  }
  if (lock.tookOver) logging.root.warn(`${spec.name}: took over its lock from ${lock.tookOver.host}:${lock.tookOver.pid} (held since ${lock.tookOver.acquiredAt}): ${lock.tookOver.why}.`);
  // The store could not keep the lock (reported by the store): the run is not held back by bookkeeping.
  if (lock.unrecorded) return run();
  const beat = setInterval(() => store.locks.heartbeat(name), options.heartbeatMs ?? HEARTBEAT_MS);
  try {
    return await run();
  } finally {
    clearInterval(beat);
    store.locks.unlock(name);
  }
}
