import { describe, expect, it } from 'vitest';
import { humanBytes, wallClock } from '../../src/lib/human-units.js';

describe('human units', () => {
  it('writes bytes in B, kB, MB, GB, TB', () => {
    expect([0, 612, 1_000, 34_567, 5_689_542_840, 2.5e12].map(humanBytes)).toEqual(['0 B', '612 B', '1.00 kB', '34.6 kB', '5.69 GB', '2.50 TB']);
  });

  it('writes an instant as the wall clock of a zone', () => {
    expect(wallClock('2026-11-20T00:00:00.000Z', 'UTC')).toBe('2026-11-20 00:00');
    expect(wallClock('2026-11-20T00:00:00.000Z', 'Europe/Madrid')).toBe('2026-11-20 01:00');
    expect(wallClock(Date.UTC(2026, 6, 1, 23), 'America/New_York')).toBe('2026-07-01 19:00');
    expect(wallClock('not a time', 'UTC')).toBe('not a time');
  });
});
