import { timeNs } from './duration.js';

// InfluxDB 1.x's time range (models.MinNanoTime, models.MaxNanoTime): a point can be stored at both ends.
export const MIN_TIME = -9223372036854775806n;
export const MAX_TIME = 9223372036854775806n;

// A shard group's time range, [start, end); or, where groups overlap, a stretch that the same groups cover.
export interface Group {
  start: bigint;
  end: bigint;
  /** More than one shard group covers it (the shard duration changed while points came): a query there reads them all. */
  overlapping?: boolean;
}

// Where the shard groups of one retention policy are. InfluxDB fixes a field's type per shard, not per database,
// and `SELECT *` over several shard groups casts or drops the values whose type differs from the one it picks:
// a copy reads one shard group at a time so that every value comes with its own type.
export interface ShardLayout {
  groupOf(time: bigint): Group;
  /** The shard duration new groups get (a step for searching forward). */
  duration: bigint;
  /** When the groups are listed: `time` if a group holds it, else the start of the next group; undefined after the last. */
  nextStart?(time: bigint): bigint | undefined;
}

// Go's zero time (January 1 of year 1, UTC) in nanoseconds since 1970: InfluxDB starts a shard group at
// time.Truncate(shard duration), which counts from there (so weekly groups start on Mondays).
const GO_ZERO_NS = -62135596800n * 1_000_000_000n;

// Groups of the retention policy's shard duration, as InfluxDB creates them (exact unless the duration changed).
export function computedLayout(duration: bigint): ShardLayout {
  return {
    duration,
    groupOf(time) {
      const offset = (time - GO_ZERO_NS) % duration;
      const start = time - offset;
      return clamp({ start, end: start + duration });
    },
  };
}

// The groups SHOW SHARDS lists (it needs an admin), with computed ones for the gaps between them (a group created
// since). When the shard duration changed, InfluxDB creates a group of the new duration over the old ones that
// already cover part of its range: groups overlap, and time is cut into stretches that the same groups cover.
export function listedLayout(groups: Group[], duration: bigint): ShardLayout {
  const computed = computedLayout(duration);
  // SHOW SHARDS shows whole seconds: the last group, which ends at MaxNanoTime + 1, shows 23:47:16Z.
  const listed = groups.map((g) => clamp(g.end > MAX_TIME - 1_000_000_000n ? { start: g.start, end: MAX_TIME + 1n } : g));
  const cells = coverage(listed);
  // The first stretch that ends after `time`.
  const endingAfter = (time: bigint): Group | undefined => {
    let lo = 0;
    let hi = cells.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cells[mid]!.end > time) hi = mid;
      else lo = mid + 1;
    }
    return cells[lo];
  };
  return {
    duration,
    groupOf(time) {
      const cell = endingAfter(time);
      if (cell && cell.start <= time) return cell;
      // Not listed: the computed group, kept out of the listed stretches around it.
      const g = computed.groupOf(time);
      const before = cells.findLast((c) => c.end <= time);
      return { start: before && before.end > g.start ? before.end : g.start, end: cell && cell.start < g.end ? cell.start : g.end };
    },
    nextStart(time) {
      const cell = endingAfter(time);
      return cell && (cell.start > time ? cell.start : time);
    },
  };
}

// The stretches of time covered by at least one group, cut wherever a group starts or ends, in order (a sweep).
function coverage(groups: Group[]): Group[] {
  const delta = new Map<bigint, number>();
  for (const g of groups) {
    delta.set(g.start, (delta.get(g.start) ?? 0) + 1);
    delta.set(g.end, (delta.get(g.end) ?? 0) - 1);
  }
  const edges = [...delta.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const cells: Group[] = [];
  let covers = 0;
  for (let i = 0; i + 1 < edges.length; i++) {
    covers += delta.get(edges[i]!)!;
    const [start, end] = [edges[i]!, edges[i + 1]!];
    if (covers > 0) cells.push(covers > 1 ? { start, end, overlapping: true } : { start, end });
  }
  return cells;
}

function clamp(g: Group): Group {
  return { start: g.start < MIN_TIME ? MIN_TIME : g.start, end: g.end > MAX_TIME ? MAX_TIME + 1n : g.end };
}

// "168h0m0s", "1h0m0s", "30m0s" (Go's Duration.String()) → nanoseconds.
export function goDurationNs(text: string): bigint {
  const units: Record<string, bigint> = { h: 3_600_000_000_000n, m: 60_000_000_000n, s: 1_000_000_000n, ms: 1_000_000n, us: 1000n, 'µs': 1000n, ns: 1n };
  let total = 0n;
  let matched = '';
  for (const m of text.matchAll(/(\d+)(?:\.(\d+))?(h|ms|m|s|us|µs|ns)/g)) {
    const unit = units[m[3]!]!;
    const fraction = m[2] ? (BigInt(m[2]) * unit) / 10n ** BigInt(m[2].length) : 0n;
    total += BigInt(m[1]!) * unit + fraction;
    matched += m[0];
  }
  if (!matched || matched !== text) throw new Error(`expected a duration such as "168h0m0s", got "${text}"`);
  return total;
}

// A SHOW SHARDS time ("2023-11-13T00:00:00Z") → nanoseconds.
export const shardTimeNs = (text: string): bigint => timeNs(text);
