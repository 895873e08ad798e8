import { describe, expect, it } from 'vitest';
import { parseRunFilter } from '../../src/console/filter.js';

describe('parseRunFilter', () => {
  const now = new Date('2026-11-23T12:00:00Z');

  it('reads a status, a process, a limit and since as a duration back from now or an ISO time', () => {
    expect(parseRunFilter({ process: 'nightly', status: 'failed', since: '24h', limit: '5' }, now)).toEqual({ filter: { process: 'nightly', status: 'failed', since: '2026-11-22T12:00:00.000Z', limit: 5 } });
    expect(parseRunFilter({ since: '2026-11-20T04:00:00Z' }, now)).toEqual({ filter: { since: '2026-11-20T04:00:00.000Z', limit: 50 } });
    expect(parseRunFilter({}, now)).toEqual({ filter: { limit: 50 } });
  });

  it('says what is wrong with a filter it cannot read', () => {
    expect(parseRunFilter({ status: 'done' }, now)).toEqual({ error: 'expected status to be one of success, failed, interrupted, running, abandoned, got "done"' });
    expect(parseRunFilter({ since: 'yesterday' }, now)).toEqual({ error: expect.stringContaining('got "yesterday"') });
    expect(parseRunFilter({ since: '12' }, now)).toEqual({ error: expect.stringContaining('got "12"') });
    expect(parseRunFilter({ limit: '0' }, now)).toEqual({ error: 'expected limit to be a whole number from 1 to 1000, got "0"' });
  });
});
