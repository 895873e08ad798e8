import { describe, expect, it } from 'vitest';
import { sparkline } from '../../src/lib/sparkline.js';

describe('sparkline', () => {
  it('draws one circle per point, oldest left, the ones that did not succeed apart', () => {
    const svg = sparkline([{ value: 1, label: 'a' }, { value: 3, label: 'b', bad: true }, { value: 2, label: '<c>' }], 'durations').text;
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(svg.match(/class="point bad"/g)).toHaveLength(1);
    expect(svg).toContain('data-points="3"');
    expect(svg).toContain('<title>&lt;c&gt;</title>');
    const xs = [...svg.matchAll(/cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(sparkline([], 'records').text).toBe('<span class="none">no records</span>');
  });
});
