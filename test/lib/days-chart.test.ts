import { describe, expect, it } from 'vitest';
import { daysChart } from '../../src/lib/days-chart.js';

describe('daysChart', () => {
  it('draws a point per day for each of the six series, a gauge without p95 having none there, names escaped', () => {
    const day = (date: string, v: number) => ({ date, inAvg: v, inP95: v, inMax: v, outAvg: v, outP95: v, outMax: v });
    const svg = daysChart([day('2026-11-21', 1e6), day('2026-11-22', 2e6), day('2026-11-23', 3e6)], 'bit/s', '<x>').text;
    expect([...svg.matchAll(/data-points="(\d+)"/g)].map((m) => m[1])).toEqual(['3', '3', '3', '3', '3', '3']);
    expect([...svg.matchAll(/class="x-label"[^>]*>([^<]+)</g)].map((m) => m[1])).toEqual(['2026-11-21', '2026-11-22', '2026-11-23']);
    expect([...svg.matchAll(/class="y-label"[^>]*>([^<]+)</g)].map((m) => m[1])).toEqual(['0 bps', '2.50 Mbps', '5.00 Mbps']);
    expect(svg).toContain('aria-label="&lt;x&gt;: daily figures over 3 day(s)"');
    const gauge = daysChart([{ date: '2026-11-21', inAvg: 100, inMax: 150, outAvg: 0, outMax: 0 }], 'gauge', 'users-1').text;
    expect([...gauge.matchAll(/data-series="(\w+)" data-points="(\d+)"/g)].map((m) => `${m[1]}=${m[2]}`)).toEqual(['inP95=0', 'inAvg=1', 'inMax=1', 'outP95=0', 'outAvg=1', 'outMax=1']);
    expect(daysChart([], 'bit/s', 'core-1').text).toBe('<p class="none">No day stored for core-1.</p>');
  });
});
