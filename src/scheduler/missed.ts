import type { ScheduledTask } from 'node-cron';

// Most instants looked at when counting what was missed: a minute-level schedule down for ~70 days, or a
// second-level one for a day. Beyond that the count is a lower bound.
const MAX_STEPS = 100_000;

export interface Missed {
  count: number;
  /** The count stops at the step limit: at least this many. */
  atLeast: boolean;
  first?: Date;
  last?: Date;
}

// The times a task would have fired strictly between `since` and `until`: runs that nobody started.
export function missedRuns(task: ScheduledTask, since: Date, until: Date, withSeconds: boolean): Missed {
  const step = withSeconds ? 1000 : 60_000;
  let t = Math.floor(since.getTime() / step) * step + step;
  let count = 0;
  let first: Date | undefined;
  let last: Date | undefined;
  let steps = 0;
  for (; t < until.getTime() - step / 2 && steps < MAX_STEPS; t += step, steps++) {
    const at = new Date(t);
    if (!task.match(at)) continue;
    count++;
    first ??= at;
    last = at;
  }
  return { count, atLeast: steps >= MAX_STEPS, first, last };
}
