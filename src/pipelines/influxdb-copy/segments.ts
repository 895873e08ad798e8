import type { Group, ShardLayout } from './shards.js';

export interface Segment {
  from: bigint;
  to: bigint;
  /** The shard group the segment lies in. */
  group: Group;
}

// The time of the first point in [from, to), or undefined when there is none.
export type Probe = (from: bigint, to: bigint) => Promise<bigint | undefined>;

// The stretches of [from, to) to read, planned one at a time from where the points are: each starts at the next
// point after the previous one, at most `span` long, never across a shard group. The cost follows the points, not
// the time between them: a gap of centuries costs a few probes (each looks twice as far as the one before), not a
// query per window, and nothing is planned ahead of what is read.
export async function* segments(probe: Probe, layout: ShardLayout, from: bigint, to: bigint, span: bigint): AsyncGenerator<Segment> {
  let cursor = from;
  while (cursor < to) {
    const found = await nextPoint(probe, layout, cursor, to);
    if (found === undefined) return;
    const next = found > cursor ? found : cursor;
    const group = layout.groupOf(next);
    // Windows keep to a grid from the group's start, so that runs that resume elsewhere read the same windows.
    const aligned = group.start + ((next - group.start) / span) * span;
    const start = aligned > cursor ? aligned : cursor;
    const end = min(aligned + span, group.end, to);
    yield { from: start, to: end, group };
    cursor = end;
  }
}

// First within the rest of the current shard group, then in the next group that exists when the groups are listed,
// else further out, each probe twice as far as the last.
async function nextPoint(probe: Probe, layout: ShardLayout, cursor: bigint, to: bigint): Promise<bigint | undefined> {
  let from = cursor;
  let until = min(layout.groupOf(cursor).end, to);
  let step = layout.duration;
  for (;;) {
    const found = await probe(from, until);
    if (found !== undefined) return found;
    if (until >= to) return undefined;
    if (layout.nextStart) {
      const next = layout.nextStart(until);
      if (next === undefined || next >= to) return undefined;
      from = next;
      until = min(layout.groupOf(next).end, to);
      continue;
    }
    from = until;
    until = min(until + step, to);
    step *= 2n;
  }
}

const min = (...values: bigint[]): bigint => values.reduce((a, b) => (b < a ? b : a));
