import { describe, expect, it } from 'vitest';
import { fromClause, Name, sameRegex } from '../../src/pipelines/influxdb-copy/names.js';
import { segments, type Segment } from '../../src/pipelines/influxdb-copy/segments.js';
import { computedLayout, goDurationNs, listedLayout, MAX_TIME, MIN_TIME, type ShardLayout } from '../../src/pipelines/influxdb-copy/shards.js';

const HOUR = 3_600_000_000_000n;
const WEEK = 168n * HOUR;
const T = 1700000000000000000n; // 2023-11-14T22:13:20Z

describe('names as bytes', () => {
  it('shows a byte that is not UTF-8, and a control character, as \\xHH', () => {
    expect(new Name(Buffer.from([0x62, 0xff, 0x0b, 0x61])).text).toBe('b\\xff\\x0ba');
    expect(Name.of('café 🚀').text).toBe('café 🚀');
  });

  it('quotes a UTF-8 name, and finds one that is not (or holds a NUL) with an anchored regular expression', () => {
    expect(fromClause('autogen', Name.of('a "b" \\ c'))).toBe('"autogen"."a \\"b\\" \\\\ c"');
    // A stray byte is `.`: InfluxDB compares a literal expression as bytes, which a stray byte never equals.
    expect(fromClause('rp', new Name(Buffer.from([0x61, 0xff, 0x2e, 0x2f, 0xe2, 0x82])))).toBe('"rp"./^a.\\.\\/..$/');
    expect(fromClause('rp', Name.of('a\0b é'))).toBe('"rp"./^a\\x{0}b\\x{20}\\x{e9}$/');
  });
});

describe('names read together', () => {
  it('finds the names the regular expression of a name that is not UTF-8 also matches, as Go reads them', () => {
    const names = [Buffer.from('r\xffx', 'latin1'), Buffer.from('r\xfex', 'latin1'), Buffer.from('rAx'), Buffer.from('r€x'), Buffer.from('rx'), Buffer.from('r\nx'), Buffer.from('r\xff\xffx', 'latin1')].map((b) => new Name(b));
    expect(sameRegex(names[0]!, names).map((n) => n.text)).toEqual(['r\\xfex', 'rAx', 'r€x']);
    expect(sameRegex(names[2]!, names)).toEqual([]);
  });
});

describe('shard groups', () => {
  it('starts weekly groups on Mondays (counted from year 1, as Go truncates), and hourly ones on the hour', () => {
    const week = computedLayout(WEEK).groupOf(T);
    expect([new Date(Number(week.start / 1_000_000n)).toISOString(), new Date(Number(week.end / 1_000_000n)).toISOString()]).toEqual(['2023-11-13T00:00:00.000Z', '2023-11-20T00:00:00.000Z']);
    expect(computedLayout(HOUR).groupOf(T)).toEqual({ start: 1699999200000000000n, end: 1700002800000000000n });
    expect(computedLayout(WEEK).groupOf(-1n).end).toBe(computedLayout(WEEK).groupOf(0n).end);
  });

  it('keeps the groups at the ends of time inside InfluxDB\'s range', () => {
    expect(computedLayout(WEEK).groupOf(MIN_TIME).start).toBe(MIN_TIME);
    expect(computedLayout(WEEK).groupOf(MAX_TIME).end).toBe(MAX_TIME + 1n);
  });

  it('takes listed groups as SHOW SHARDS shows them (the last one ends at a whole second), and finds the next one', () => {
    const listed = listedLayout([{ start: 0n, end: WEEK }, { start: 10n * WEEK, end: 9223372036854775000n }], WEEK);
    expect(listed.groupOf(MAX_TIME)).toEqual({ start: 10n * WEEK, end: MAX_TIME + 1n });
    expect(listed.groupOf(5n * WEEK)).toEqual(computedLayout(WEEK).groupOf(5n * WEEK));
    expect([listed.nextStart!(3n), listed.nextStart!(WEEK), listed.nextStart!(MAX_TIME + 1n)]).toEqual([3n, 10n * WEEK, undefined]);
  });

  it('reads Go durations', () => {
    expect(['168h0m0s', '1h0m0s', '30m0s', '1h30m0s', '1.5s', '0s'].map(goDurationNs)).toEqual([WEEK, HOUR, HOUR / 2n, (3n * HOUR) / 2n, 1_500_000_000n, 0n]);
    expect(() => goDurationNs('1 week')).toThrow(/expected a duration/);
  });
});

// A probe over points known in advance, counting its calls.
function probing(points: bigint[]) {
  const sorted = [...points].sort((a, b) => (a < b ? -1 : 1));
  const calls = { n: 0 };
  const probe = async (from: bigint, to: bigint) => {
    calls.n++;
    return sorted.find((t) => t >= from && t < to);
  };
  return { probe, calls };
}

async function plan(points: bigint[], layout: ShardLayout, span: bigint, from = MIN_TIME, to = MAX_TIME + 1n): Promise<{ windows: Segment[]; probes: number }> {
  const { probe, calls } = probing(points);
  const windows: Segment[] = [];
  for await (const w of segments(probe, layout, from, to, span)) windows.push(w);
  return { windows, probes: calls.n };
}

describe('planning windows from where the points are', () => {
  it('covers every point once, in order, never across a shard group', async () => {
    const points = [T, T + 1n, T + 5n * HOUR, T + WEEK, T + 3n * WEEK + 7n, 0n, -1n];
    const layout = computedLayout(WEEK);
    const { windows } = await plan(points, layout, 6n * HOUR);
    for (const p of points) expect(windows.filter((w) => p >= w.from && p < w.to)).toHaveLength(1);
    for (const w of windows) {
      expect(w.from >= w.group.start && w.to <= w.group.end).toBe(true);
      expect(layout.groupOf(w.from)).toEqual(w.group);
    }
    expect(windows.every((w, i) => i === 0 || w.from >= windows[i - 1]!.to)).toBe(true);
  });

  it('crosses 584 years from one end of time to the other in a few dozen probes, with windows or without listed groups', async () => {
    for (const layout of [computedLayout(WEEK), computedLayout(HOUR), listedLayout([MIN_TIME, 0n, MAX_TIME].map((t) => computedLayout(WEEK).groupOf(t)), WEEK)]) {
      const { windows, probes } = await plan([MIN_TIME, 0n, MAX_TIME], layout, 6n * HOUR);
      expect(windows.map((w) => w.from <= MAX_TIME && w.to > MIN_TIME)).toEqual([true, true, true]);
      expect(probes).toBeLessThan(100);
    }
  });

  it('covers every point when the shard duration changed and groups overlap, as InfluxDB creates them', async () => {
    // A small deterministic generator: histories of writes with the duration changed between them.
    let seed = 12345;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const durations = [HOUR, 2n * HOUR, 24n * HOUR, WEEK];
    for (let history = 0; history < 200; history++) {
      const groups: Array<{ start: bigint; end: bigint }> = [];
      const points: bigint[] = [];
      let duration = durations[Math.floor(random() * durations.length)]!;
      for (let i = 0; i < 30; i++) {
        if (random() < 0.2) duration = durations[Math.floor(random() * durations.length)]!;
        const t = T + BigInt(Math.floor(random() * 21 * 24)) * HOUR + BigInt(Math.floor(random() * 3600)) * 1_000_000_000n;
        points.push(t);
        // As InfluxDB: a point goes to a group that covers it; none does, a new one of the current duration is made.
        if (!groups.some((g) => g.start <= t && t < g.end)) groups.push(computedLayout(duration).groupOf(t));
      }
      const layout = listedLayout(groups, duration);
      const { windows } = await plan(points, layout, 6n * HOUR, T - WEEK, T + 4n * WEEK);
      for (const p of points) expect(windows.filter((w) => p >= w.from && p < w.to), `history ${history}`).toHaveLength(1);
      for (const w of windows) expect(groups.filter((g) => g.start < w.to && g.end > w.from).every((g) => g.start <= w.from && g.end >= w.to), `history ${history}`).toBe(true);
    }
  });

  it('reads dense data window after window on the grid of the group, one probe each', async () => {
    const points = Array.from({ length: 48 }, (_, i) => T + BigInt(i) * HOUR);
    const { windows, probes } = await plan(points, computedLayout(WEEK), 6n * HOUR, T, T + 48n * HOUR);
    expect(windows.length).toBeLessThanOrEqual(10);
    expect(windows.slice(1).every((w) => (w.from - w.group.start) % (6n * HOUR) === 0n)).toBe(true);
    expect(probes).toBe(windows.length);
  });
});
