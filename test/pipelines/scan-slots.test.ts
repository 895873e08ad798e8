import { describe, expect, it } from 'vitest';
import { dayBounds } from '../../src/pipelines/scan/day.js';
import { parseMrtg } from '../../src/pipelines/scan/mrtg.js';
import { dayRows, gaps, withoutFill } from '../../src/pipelines/scan/slots.js';
import { mrtgLog, newMrtgLog, type Row } from '../helpers/mrtg.js';

const day = dayBounds('2026-11-22', 'UTC');
const k = (epoch: number) => Math.round((epoch - day.start) / 300);
// The slot number as the value; before the day, its distance from midnight (MRTG writes no negative value).
const row = (e: number): Row => [Math.abs(k(e)), Math.abs(k(e)), Math.abs(k(e)), Math.abs(k(e))];
const rowsOf = (log: string) => dayRows(parseMrtg(log, day.start - 3600).samples, day);

describe("a day's five-minute rows", () => {
  it('stops at the coarse section when the five-minute rows end inside the day', () => {
    const rows = rowsOf(mrtgLog(day.end + 40 * 3600, row)); // 50 h of five-minute rows: the last 10 h of the day
    expect(rows).toHaveLength(120);
    expect(rows.every((r) => r.avgIn !== 7)).toBe(true); // no 30-minute average slipped in
    expect(gaps(rows, day, 'UTC')).toEqual({ missing: 168, ranges: ['00:00-14:00'] });
  });

  it('keeps the rows on both sides of outages inside the day', () => {
    const gone = (e: number) => (k(e) >= 121 && k(e) <= 132) || (k(e) >= 134 && k(e) <= 145);
    const rows = rowsOf(mrtgLog(day.end + 4 * 3600, (e) => (gone(e) ? null : row(e))));
    expect(rows).toHaveLength(264);
    expect(gaps(rows, day, 'UTC').ranges).toEqual(['10:00-11:00', '11:05-12:05']);
  });

  it('puts rows written a few seconds late in their slot, and leaves the one just after midnight to the day before', () => {
    const late = mrtgLog(day.end + 4 * 3600, row).replace(/^(\d+) /gm, (_, e: string) => `${Number(e) + 7} `);
    const rows = rowsOf(late);
    expect(rows).toHaveLength(288);
    expect(rows[0]!.epoch).toBe(day.start + 307);
    expect(gaps(rows, day, 'UTC').missing).toBe(0);
  });

  it('takes the newest line of the log for a slot written twice', () => {
    const twice = mrtgLog(day.end + 4 * 3600, row).replace(`\n${day.start + 600} 2 2 2 2\n`, `\n${day.start + 600} 99 99 99 99\n${day.start + 600} 2 2 2 2\n`);
    expect(rowsOf(twice).find((r) => r.epoch === day.start + 600)!.avgIn).toBe(99);
  });

  it('counts the zero fill of a log MRTG started at 18:00 as missing, not as zero traffic', () => {
    const log = parseMrtg(newMrtgLog(day.end + 4 * 3600, day.start + 18 * 3600, () => [1000, 500, 1001, 600]), day.start - 3600);
    const { rows, fill } = withoutFill(dayRows(log.samples, day), log.firstTraffic);
    expect(fill).toBe(216);
    expect(rows).toHaveLength(72);
    expect(gaps(rows, day, 'UTC')).toEqual({ missing: 216, ranges: ['00:00-18:00'] });
  });

  it('keeps rows of 0 that come after traffic: a link idle until 02:00 carried 0, it did not miss samples', () => {
    const idle = (e: number): Row => (k(e) >= 1 && k(e) <= 24 ? [0, 0, 0, 0] : [1000, 500, 1001, 600]);
    const log = parseMrtg(mrtgLog(day.end + 4 * 3600, idle), day.start - 3600);
    expect(withoutFill(dayRows(log.samples, day), log.firstTraffic)).toMatchObject({ fill: 0, rows: { length: 288 } });
  });

  it('reports a whole missing day as 00:00-24:00', () => {
    expect(gaps([], day, 'UTC')).toEqual({ missing: 288, ranges: ['00:00-24:00'] });
  });

  it('starts a day at the jump where midnight does not exist (DST at 00:00)', () => {
    const santiago = dayBounds('2026-09-06', 'America/Santiago');
    expect(santiago.start).toBe(Date.UTC(2026, 8, 6, 4) / 1000);
    expect(santiago.expectedSamples).toBe(276);
    expect(dayBounds('2026-09-05', 'America/Santiago').expectedSamples).toBe(288);
  });
});
