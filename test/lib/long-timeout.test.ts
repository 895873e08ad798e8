import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setLongTimeout, TIMER_MAX_MS } from '../../src/lib/long-timeout.js';

const DAY = 86_400_000;

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] }));
afterEach(() => vi.useRealTimers());

describe('a long timeout', () => {
  it('fires after 30 days, not at once as one Node.js timer of 30 days does', () => {
    const long = vi.fn();
    setLongTimeout(long, 30 * DAY);
    vi.advanceTimersByTime(100);
    expect(long).not.toHaveBeenCalled();
    vi.advanceTimersByTime(TIMER_MAX_MS);
    expect(long).not.toHaveBeenCalled();
    vi.advanceTimersByTime(30 * DAY - TIMER_MAX_MS - 101);
    expect(long).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(long).toHaveBeenCalledTimes(1);
  });

  it('fires a short wait like setTimeout, and never once cleared', () => {
    const short = vi.fn();
    const cleared = vi.fn();
    setLongTimeout(short, 50);
    const timer = setLongTimeout(cleared, 40 * DAY);
    vi.advanceTimersByTime(50);
    expect(short).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(30 * DAY);
    timer.clear();
    vi.advanceTimersByTime(30 * DAY);
    expect(cleared).not.toHaveBeenCalled();
  });
});
