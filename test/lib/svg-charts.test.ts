import { describe, expect, it } from 'vitest';
import { barChart, lineChart, niceTop } from '../../src/lib/svg-charts.js';

const labels = (svg: string) => [...svg.matchAll(/<text class="x-label"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe('barChart', () => {
  it('draws one bar per value, left to right, taller for more, the marked ones red', () => {
    const svg = barChart([{ label: '00:00', value: 10 }, { label: '01:00', value: 40, marked: true }, { label: '02:00', value: 0 }], { name: 'requests per hour' }).text;
    expect(svg).toContain('data-bars="3"');
    expect(svg.match(/<rect class="bar/g)).toHaveLength(3);
    expect(svg.match(/class="bar marked"/g)).toHaveLength(1);
    const xs = [...svg.matchAll(/<rect class="bar[^"]*" x="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    const heights = [...svg.matchAll(/<rect class="bar[^"]*"[^>]* height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights[1]).toBeGreaterThan(heights[0]!);
    expect(heights[2]).toBe(0);
    expect(labels(svg)).toEqual(['00:00', '01:00', '02:00']);
    expect(svg).toContain('<title>01:00: 40</title>');
  });

  it('writes at most maxLabels labels under many bars, evenly, and the y axis up to a round top', () => {
    const bars = Array.from({ length: 48 }, (_, i) => ({ label: `h${i}`, value: i * 7 }));
    const svg = barChart(bars, { name: 'x', maxLabels: 12, valueLabel: (v) => `${v} req` }).text;
    expect(svg.match(/<rect class="bar/g)).toHaveLength(48);
    expect(labels(svg)).toEqual(['h0', 'h4', 'h8', 'h12', 'h16', 'h20', 'h24', 'h28', 'h32', 'h36', 'h40', 'h44']);
    expect([...svg.matchAll(/class="y-label"[^>]*>([^<]*)</g)].map((m) => m[1])).toEqual(['0 req', '250 req', '500 req']);
  });

  it('escapes labels and titles, which come from logs', () => {
    const svg = barChart([{ label: '<script>alert(1)</script>', value: 1, title: '"><img src=x>' }], { name: '<b>' }).text;
    expect(svg).not.toMatch(/<script|<img|<b>/);
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('draws an empty frame for no values', () => {
    const svg = barChart([], { name: 'nothing' }).text;
    expect(svg).toContain('data-bars="0"');
    expect(svg).not.toContain('class="bar');
  });
});

describe('lineChart', () => {
  it('draws one point per value on one line, left to right', () => {
    const svg = lineChart([{ label: 'a', value: 1 }, { label: 'b', value: 5 }, { label: 'c', value: 2 }, { label: 'd', value: 0 }], { name: 'errors per hour' }).text;
    expect(svg).toContain('data-points="4"');
    expect(svg.match(/<circle /g)).toHaveLength(4);
    expect(/ points="([^"]*)"/.exec(svg)![1]!.split(' ')).toHaveLength(4);
    const xs = [...svg.matchAll(/cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(labels(svg)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('puts a single point in the middle', () => {
    const svg = lineChart([{ label: 'only', value: 3 }], { name: 'x', width: 200 }).text;
    expect(svg.match(/<circle /g)).toHaveLength(1);
  });
});

describe('niceTop', () => {
  it('rounds the largest value up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([0, 1, 3, 7, 22, 250, 251, 4_999].map(niceTop)).toEqual([1, 1, 5, 10, 25, 250, 500, 5_000]);
  });
});
