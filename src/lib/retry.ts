import { onAbort } from './abort.js';

export interface RetryOptions {
  retries: number;
  /** An error another try will not cure (a 4xx, a login page): thrown at once. */
  isPermanent?(error: unknown): boolean;
  signal: AbortSignal;
  /** Called before each new try with what failed; for a log line. */
  onRetry?(attempt: number, error: unknown, delayMs: number): void;
  baseMs?: number;
}

// Try `fn` again after network errors, 5xx and timeouts: exponential backoff with full jitter, a bounded number of times.
export async function withRetries<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (options.isPermanent?.(error) || options.signal.aborted || attempt >= options.retries) throw error;
      const ceiling = Math.min(30_000, (options.baseMs ?? 250) * 2 ** attempt);
      const delayMs = Math.round(Math.random() * ceiling);
      options.onRetry?.(attempt + 1, error, delayMs);
      await sleep(delayMs, options.signal);
    }
  }
}

// Cut short by the signal; many sleepers share one listener on it (see abort.ts).
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const forget = onAbort(signal, () => (clearTimeout(timer), resolve()));
    const timer = setTimeout(() => (forget(), resolve()), ms);
  });
}

// True when an error of class `type` stands anywhere along the cause chain.
export function causedBy(error: unknown, type: abstract new (...args: never[]) => Error): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 10; e = (e as { cause?: unknown }).cause, depth++) if (e instanceof type) return true;
  return false;
}
