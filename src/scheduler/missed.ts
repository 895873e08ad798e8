import type { Cron } from 'croner';

// Most runs counted when counting what was missed: a minute-level schedule down for ~70 days, or a second-level one
// for a day. Beyond that the count is a lower bound.
const MAX_RUNS = 100_000;

export interface Missed {
  count: number;
  /** The count stops at the limit: at least this many. */
  atLeast: boolean;
  first?: Date;
  last?: Date;
}

// The times a schedule would have fired strictly between `since` and `until`: runs that nobody started.
export function missedRuns(cron: Cron, since: Date, until: Date): Missed {
  let count = 0;
  let first: Date | undefined;
  let last: Date | undefined;
  for (let at = cron.nextRun(since); at && at < until; at = cron.nextRun(at)) {
    if (count === MAX_RUNS) return { count, atLeast: true, first, last };
    count++;
    first ??= at;
    last = at;
  }
  return { count, atLeast: false, first, last };
}
