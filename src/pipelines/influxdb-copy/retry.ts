import { PermanentError } from './http.js';

export interface RetryOptions {
  retries: number;
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
      if (isPermanent(error) || options.signal.aborted || attempt >= options.retries) throw error;
      const ceiling = Math.min(30_000, (options.baseMs ?? 250) * 2 ** attempt);
      const delayMs = Math.round(Math.random() * ceiling);
      options.onRetry?.(attempt + 1, error, delayMs);
      await sleep(delayMs, options.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

// A 4xx anywhere along the cause chain will not be cured by another try.
export function isPermanent(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 10; e = (e as { cause?: unknown }).cause, depth++) if (e instanceof PermanentError) return true;
  return false;
}
