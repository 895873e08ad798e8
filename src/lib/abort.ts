// Many waiters on one AbortSignal behind a single listener. A copy has dozens of requests and retry sleeps waiting
// on its run's signal at once; a listener each would trip Node's MaxListenersExceededWarning (past ten), which
// reads like a leak to every operator who sees it.
const waiters = new WeakMap<AbortSignal, Set<() => void>>();

// Calls `fn` once when `signal` aborts (at once when it already has); the returned function forgets it.
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return () => {};
  }
  let set = waiters.get(signal);
  if (!set) {
    const all = (set = new Set());
    waiters.set(signal, all);
    signal.addEventListener('abort', () => {
      waiters.delete(signal);
      for (const f of all) f();
    }, { once: true });
  }
  set.add(fn);
  const mine = set;
  return () => void mine.delete(fn);
}
