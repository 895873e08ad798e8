import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dayBounds } from '../../src/pipelines/scan/day.js';
import { parseMrtg } from '../../src/pipelines/scan/mrtg.js';
import { dayRows, gaps, withoutFill } from '../../src/pipelines/scan/slots.js';
import { summarise } from '../../src/pipelines/scan/summary.js';

// Real rateup output from a public repository: origin and licence in test/fixtures/mrtg/README.md.
const IXP = fileURLToPath(new URL('../fixtures/mrtg/ixp-manager-dummy.log', import.meta.url));
const text = readFileSync(IXP, 'utf8');
const ZONE = 'Europe/Dublin'; // INEX's; GMT in February
const iface = { layer: 'IXP', link: `file://${IXP}`, name: 'inex-lan', capacity: 400, vendor: 'INEX' };

// The file read without the parser: every line after the first as numbers.
const lines = text.trim().split('\n').slice(1).map((l) => l.split(' ').map(Number));

describe("IXP Manager's sample rateup log", () => {
  it('accounts for every row: 601 five-minute rows over three days, and eleven coarse rows that belong to none', () => {
    const log = parseMrtg(text, -Infinity, IXP);
    expect(log.samples).toHaveLength(lines.length);
    expect(log.outOfOrder).toEqual([]);
    const perDay = ['2016-02-09', '2016-02-10', '2016-02-11'].map((d) => dayRows(log.samples, dayBounds(d, ZONE)).length);
    // The five-minute section runs from 05:05 on the 9th to 07:03 on the 11th; its last two rows are off the grid.
    expect(perDay).toEqual([228, 288, 85]);
    expect(lines.length - (228 + 288 + 85)).toBe(11);
  });

  it('summarises 2016-02-10 as a recalculation straight from the file does', () => {
    const day = dayBounds('2016-02-10', ZONE);
    const log = parseMrtg(text, day.start - 3600, IXP);
    const { rows, fill } = withoutFill(dayRows(log.samples, day), log.firstTraffic);
    expect(fill).toBe(0);
    expect(gaps(rows, day, ZONE)).toEqual({ missing: 0, ranges: [] });
    const s = summarise(iface, rows, day.expectedSamples, 0, false);

    // By hand: the rows whose time falls in the day (each covers the five minutes up to it), in bits per second.
    const mine = lines.filter(([t]) => t! > day.start && t! <= day.end);
    expect(mine).toHaveLength(288);
    const bits = (column: number) => mine.map((r) => r[column]! * 8);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.ceil(0.95 * xs.length) - 1];
    expect(s.samples).toBe(288);
    expect(s.inAvg).toBeCloseTo(mean(bits(1)), 3);
    expect(s.outAvg).toBeCloseTo(mean(bits(2)), 3);
    expect(s.inMax).toBe(Math.max(...bits(3)));
    expect(s.outMax).toBe(Math.max(...bits(4)));
    expect(s.inP95).toBe(p95(bits(1)));
    expect(s.outP95).toBe(p95(bits(2)));
    // The figures themselves, so a change to the file shows: 64.9 Gbit/s in on average that day, 103.1 at its peak.
    expect([s.inAvg * 288, s.outAvg * 288]).toEqual([18_685_259_020_344, 18_682_065_803_520]);
    expect([s.inP95, s.inMax]).toEqual([92_831_623_472, 103_089_314_424]);
  });
});
