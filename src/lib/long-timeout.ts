// The longest delay one Node.js timer holds: 2^31−1 ms, about 24.8 days. Asked for more, Node warns
// (TimeoutOverflowWarning) and fires after 1 ms: a 30-day process timeout would kill the process at once.
export const TIMER_MAX_MS = 2 ** 31 - 1;

export interface LongTimeout {
  clear(): void;
}

// Calls `fn` after `ms`, however long: a wait beyond one timer's reach is taken in steps it can hold.
export function setLongTimeout(fn: () => void, ms: number): LongTimeout {
  // Monotonic time: a clock set back or forward does not move the deadline.
  const due = performance.now() + ms;
  let timer: NodeJS.Timeout;
  const arm = (left: number) => {
    timer = setTimeout(() => {
      const rest = due - performance.now();
      if (rest > 0) arm(rest);
      else fn();
    }, Math.min(Math.max(left, 0), TIMER_MAX_MS));
  };
  arm(ms);
  return { clear: () => clearTimeout(timer) };
}
