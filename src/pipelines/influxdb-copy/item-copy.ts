import type { LimitFunction } from 'p-limit';
import { causedBy, withRetries } from '../../lib/retry.js';
import { isPermanent, PermanentError } from '../../lib/influx-http.js';
import { describeError } from '../errors.js';
import type { PipelineContext } from '../types.js';
import { durationNs, formatNs, timeNs } from './duration.js';
import type { CopyItem } from './plan.js';
import { probeSelect, sourceOf, type Source } from './read.js';
import type { BackupConfig } from './schema.js';
import { segments, type Probe, type Segment } from './segments.js';
import { RetriesExhausted, serverFailure, WriteRejected, type InfluxServer } from './server.js';
import { MAX_TIME, MIN_TIME } from './shards.js';
import { copyWindow, type CopyStats } from './window-copy.js';

export interface ItemCopy {
  item: CopyItem;
  stats: CopyStats;
  /** The range copied, [from, to); none when the measurement has no point in the selection. */
  range?: { from: bigint; to: bigint };
  /** Why (part of) the measurement was not copied; empty when all of it was. */
  failures: Error[];
}

export interface ItemCopyOptions {
  bc: BackupConfig;
  ctx: PipelineContext;
  /** Aborted on a stop, or when a server itself fails: no new window starts. */
  signal: AbortSignal;
  readSlots: LimitFunction;
  writeSlots: LimitFunction;
  checkpointKey: string;
  /** The checkpoint never passes the moment the run started: a point dated in the future must not hide later ones. */
  runStartedNs: bigint;
  onWritten(points: number): void;
  /** Told at once of a failure that is the server's (unreachable, not authorised): every measurement stops. */
  onServerFailure(error: unknown): void;
}

// Copy one measurement of one retention policy, window by window, each window inside one shard group. A window
// the destination refuses (a type it cannot hold there) is counted and named, and the other windows go on; any
// other failure stops this measurement only, unless it is the server's. The checkpoint moves only over the windows
// the destination has acknowledged, with no gap before them.
export async function copyItem(src: InfluxServer, dst: InfluxServer, item: CopyItem, o: ItemCopyOptions): Promise<ItemCopy> {
  const result: ItemCopy = { item, stats: { read: 0, written: 0, rejected: 0 }, failures: [] };
  if (item.unwritable) return { ...result, failures: [new PermanentError(item.unwritable)] };
  const { bc } = o;
  const name = `${item.measurement.text} [${item.rp}]`;
  try {
    const types = await src.fieldTypes(item.rp, item.measurement);
    const select = probeSelect(types);
    const probe: Probe = (from, to) => src.edge(item.rp, item.measurement, select, from, to);
    const range = await rangeOf(src, item, select, probe, o);
    if (!range) return result;
    result.range = range;
    const several = [...types].filter(([, t]) => t.size > 1);
    if (several.length) o.ctx.log.info(`${name}: ${several.map(([f, t]) => `field "${Buffer.from(f, 'latin1').toString()}" is ${[...t].join(', ')}`).join('; ')} in different shard groups; each point keeps its own type.`);
    const source = sourceOf(item.rp, item.measurement, types);
    const progression = new Progression();
    const running = new Set<Promise<void>>();
    let stopped = false;
    for await (const window of segments(probe, item.layout, range.from, range.to, durationNs(bc.window))) {
      if (o.signal.aborted || stopped) break;
      const place = progression.add(window.to);
      const task = o.readSlots(async () => {
        const stats = await copyWithRetries(src, dst, window, source, o, name);
        add(result.stats, stats.last);
        if (stats.error) throw stats.error;
        const upTo = progression.finish(place);
        if (upTo !== undefined) o.ctx.checkpoints.set(o.checkpointKey, { upTo: String(upTo < o.runStartedNs ? upTo : o.runStartedNs) });
      }).catch((error: unknown) => {
        result.failures.push(error as Error);
        if (serverFailure(error)) o.onServerFailure(error);
        // The destination refusing one shard group's points says nothing of the others: they are copied.
        if (!causedBy(error, WriteRejected)) stopped = true;
      });
      running.add(task);
      void task.finally(() => running.delete(task));
      while (running.size >= bc.read_concurrency) await Promise.race(running);
    }
    await Promise.all(running);
    if (result.failures.length === 0 && !o.signal.aborted) {
      // Everything up to the end of the range is copied, the stretch after the last window included.
      o.ctx.checkpoints.set(o.checkpointKey, { upTo: String(range.to < o.runStartedNs ? range.to : o.runStartedNs) });
      o.ctx.log.info(`Copied ${name} from ${formatNs(range.from)} to ${formatNs(range.to)}.`);
    }
  } catch (error) {
    result.failures.push(error as Error);
    if (serverFailure(error)) o.onServerFailure(error);
  }
  return result;
}

// The range to copy: the selection's bounds, the checkpoint (incremental), narrowed to the first and last point.
async function rangeOf(src: InfluxServer, item: CopyItem, select: string, probe: Probe, o: ItemCopyOptions) {
  const bc = o.bc;
  // InfluxQL refuses times beyond int64: a `start` before 1677 or an `end` after 2262 means the whole range.
  let lower = bc.start !== undefined && timeNs(bc.start) > MIN_TIME ? timeNs(bc.start) : MIN_TIME;
  const upper = bc.end !== undefined && timeNs(bc.end) <= MAX_TIME ? timeNs(bc.end) : MAX_TIME + 1n;
  const checkpoint = o.ctx.checkpoints.get<{ upTo: string }>(o.checkpointKey);
  if (bc.mode === 'incremental' && checkpoint) {
    const resume = BigInt(checkpoint.upTo) - durationNs(bc.overlap);
    if (resume > lower) lower = resume;
  }
  const first = await probe(lower, upper);
  if (first === undefined) return undefined;
  const last = await src.edge(item.rp, item.measurement, select, first, upper, 'last');
  return { from: first, to: (last ?? first) + 1n };
}

// One window, read again from its start when its stream breaks midway; the counts are those of the last try.
async function copyWithRetries(src: InfluxServer, dst: InfluxServer, window: Segment, source: Source, o: ItemCopyOptions, name: string) {
  let last: CopyStats = { read: 0, written: 0, rejected: 0 };
  try {
    await withRetries(
      () => {
        last = { read: 0, written: 0, rejected: 0 };
        return copyWindow(src, dst, window, { ...source, pageSize: o.bc.page_size, batchBytes: o.bc.batch_bytes, writeSlots: o.writeSlots, onWritten: o.onWritten }, last);
      },
      {
        retries: o.bc.retries,
        // Only a read that broke mid-stream is worth reading again: a request has had its own retries.
        isPermanent: (e) => isPermanent(e) || causedBy(e, RetriesExhausted) || serverFailure(e),
        signal: o.signal,
        onRetry: (attempt, error) => o.ctx.log.warn(`Copying ${name} from ${formatNs(window.from)} again (attempt ${attempt}): ${describeError(error)}`),
      },
    );
    return { last };
  } catch (error) {
    // The shard group names where a type conflict stands: the destination keeps one type per field there.
    const where = `in the shard group from ${formatNs(window.group.start)} to ${formatNs(window.group.end)}, reading ${formatNs(window.from)} to ${formatNs(window.to)}`;
    return { last, error: new Error(where, { cause: error }) };
  }
}

function add(total: CopyStats, stats: CopyStats): void {
  total.read += stats.read;
  total.written += stats.written;
  total.rejected += stats.rejected;
}

// The checkpoint covers the longest run of finished windows from the start, never a gap.
class Progression {
  private readonly pending: Array<{ to: bigint; done: boolean }> = [];

  add(to: bigint): { to: bigint; done: boolean } {
    const place = { to, done: false };
    this.pending.push(place);
    return place;
  }

  // The new end of the finished run, when it moved.
  finish(place: { done: boolean }): bigint | undefined {
    place.done = true;
    let upTo: bigint | undefined;
    while (this.pending[0]?.done) upTo = this.pending.shift()!.to;
    return upTo;
  }
}
