import { describe, expect, it } from 'vitest';
import { dayBounds } from '../../src/pipelines/scan/day.js';
import { CHARTED, dayReport, reportFiles, type FlatInterface } from '../../src/pipelines/scan/report.js';
import { volume } from '../../src/lib/traffic.js';

const day = dayBounds('2026-11-22', 'Asia/Kolkata'); // UTC+05:30: hours off UTC's by half an hour
const flat = Float64Array.from({ length: 288 * 3 }, (_, k) => [day.start + (Math.floor(k / 3) + 1) * 300, 8e6, 4e6][k % 3]!);
const row = (name: string, utilisationPct: number | undefined): FlatInterface => ({
  interface: name, vendor: 'HUAWEI', capacityGbps: 1, samples: 288, expectedSamples: 288, unit: 'bit/s',
  inAvg: 8e6, inMax: 8e6, inP95: 8e6, outAvg: 4e6, outMax: 4e6, outP95: 4e6, utilisationPct, flat,
});
const rows = [row('a-low', 0.5), row('<script>alert(1)</script>', 0.8), row('z-none', undefined)];

describe('scan day report', () => {
  it('goes beside the day\'s CSV', () => {
    expect(reportFiles('/d/SCAN', 'BORDE', '2026-11-22')).toEqual({ html: '/d/SCAN/DAILY_SUMMARY/BORDE/2026-11-22.html', svg: '/d/SCAN/DAILY_SUMMARY/BORDE/2026-11-22.svg' });
  });

  it('is a page that asks for nothing: no script, no address to fetch, every name escaped', () => {
    const page = dayReport('BORDE', day, 'Asia/Kolkata', rows).html;
    expect(page).not.toMatch(/<script|src=|href="(?!#)|url\(|@import/i);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    // Highest utilisation first, an interface without one last.
    expect([...page.matchAll(/<tr data-interface="([^"]+)"/g)].map((m) => m[1])).toEqual(['&lt;script&gt;alert(1)&lt;/script&gt;', 'a-low', 'z-none']);
    // Hours from the zone's midnight, in the zone.
    expect([...page.matchAll(/class="x-label"[^>]*>([^<]+)</g)].slice(0, 8).map((m) => m[1])).toEqual(['03:00', '06:00', '09:00', '12:00', '15:00', '18:00', '21:00', '00:00']);
    // 8 Mbps for 24 h: 86.4 GB.
    expect(page).toContain('<td class="num">86.4 GB</td>');
  });

  it('stacks the charts in one SVG document, as XML: the layer\'s total, then each interface', () => {
    const svg = dayReport('BORDE', day, 'Asia/Kolkata', rows).svg;
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<svg class="day-chart"/g)).toHaveLength(4);
    expect(svg).toContain('data-interface="BORDE: all 3 interface(s)"');
    expect(svg).not.toContain('<script');
    expect(svg).not.toMatch(/&(?!amp;|lt;|gt;|quot;|#39;)/);
  });

  it('charts the layer\'s total and its busiest interfaces only, and lists every one', () => {
    const many = Array.from({ length: CHARTED + 5 }, (_, n) => row(`if-${String(n).padStart(2, '0')}`, n));
    const { html, svg } = dayReport('BORDE', day, 'Asia/Kolkata', many);
    expect(html.match(/<tr data-interface=/g)).toHaveLength(CHARTED + 5);
    const charts = [...html.matchAll(/<svg class="day-chart"[^>]*data-interface="([^"]+)"/g)].map((m) => m[1]);
    expect(charts[0]).toBe(`BORDE: all ${CHARTED + 5} interface(s)`);
    expect(charts.slice(1)).toEqual(many.slice(5).reverse().map((r) => r.interface)); // the busiest, highest first
    expect(svg.match(/<svg class="day-chart"/g)).toHaveLength(CHARTED + 1);
    // The total: 25 interfaces of 8 Mbps in, at every one of the 288 times.
    expect(html).toContain('p95 in 200 Mbps');
    expect(html).toMatch(/<tr data-interface="if-00"><td>if-00<\/td>/); // no chart, no link
  });

  it('says volumes in powers of 1000', () => {
    expect([0, 999, 1500, 2.5e6, 86.4e9, 3e12].map(volume)).toEqual(['0 B', '999 B', '1.50 kB', '2.50 MB', '86.4 GB', '3.00 TB']);
  });
});
