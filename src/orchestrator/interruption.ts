export interface Interruption {
  /** Aborted on the first SIGINT/SIGTERM; its reason is the signal's name. */
  stop: AbortSignal;
  /** Aborted on a second one: stop waiting, kill. */
  force: AbortSignal;
  /** The first signal received, if any. */
  readonly signal: NodeJS.Signals | undefined;
  dispose(): void;
}

// SIGINT/SIGTERM to `main` stop the run gracefully; the same signal again forces it.
export function listenForInterruption(onSignal?: (signal: NodeJS.Signals, forced: boolean) => void): Interruption {
  const stop = new AbortController();
  const force = new AbortController();
  let first: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (!first) {
      first = signal;
      onSignal?.(signal, false);
      stop.abort(signal);
    } else {
      onSignal?.(signal, true);
      force.abort(signal);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    stop: stop.signal,
    force: force.signal,
    get signal() {
      return first;
    },
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
