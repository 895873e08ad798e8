import type { LimitFunction } from 'p-limit';
import { causedBy, withRetries } from '../../lib/retry.js';
import { isPermanent, PermanentError } from '../../lib/influx-http.js';
import { describeError } from '../../core/errors.js';
import type { PipelineContext } from '../../core/pipeline.js';
import { durationNs, formatNs, timeNs } from './duration.js';
import { showBytes } from './names.js';
import type { CopyItem } from './plan.js';
import { probeSelect, sourceOf, unionTypes, type Source, type Window } from './read.js';
import type { ItemCheckpoint } from './checkpoint.js';
import type { BackupConfig } from './schema.js';
import { segments, type Probe, type Segment } from './segments.js';
import { AmbiguousTypes, readableStretches, type StretchFields } from './stretch.js';
import { RetriesExhausted, serverFailure, WriteRejected, type FieldTypes, type InfluxServer } from './server.js';
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
  checkpoint: ItemCheckpoint;
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
  if (o.signal.aborted) return result;
  if (item.unwritable) return { ...result, failures: [new PermanentError(item.unwritable)] };
  const { bc } = o;
  const name = `${item.measurement.text} [${item.rp}]`;
  const running = new Set<Promise<void>>();
  try {
    const types = await fieldTypes(src, item);
    const select = probeSelect(types.read);
    const probe: Probe = (from, to) => src.edge(item.rp, item.measurement, select, from, to);
    const range = await rangeOf(src, item, select, probe, o);
    if (!range) return result;
    result.range = range;
    const several = [...types.own].filter(([, t]) => t.size > 1);
    const fields = several.map(([f, t]) => `field "${showBytes(Buffer.from(f, 'latin1'))}" is ${[...t].join(', ')}`).join('; ');
    if (several.length) o.ctx.log.info(`${name}: ${fields} in different shard groups; each point keeps its own type.`);
    if (several.length && item.layout.nextStart === undefined) {
      o.ctx.log.warn(`${name}: ${fields}; this user may not list the shard groups (SHOW SHARDS needs an admin), so they are computed from the retention policy's shard duration: exact unless that duration was changed while points were written. Run the copy as an admin to be sure.`);
    }
    const source = sourceOf(item.rp, item.measurement, types.own);
    const listed = item.layout.nextStart !== undefined;
    const progression = new Progression();
    const finished = (upTo: bigint | undefined) => {
      if (upTo !== undefined) o.checkpoint.copied(upTo < o.runStartedNs ? upTo : o.runStartedNs);
    };
    let stopped = false;
    for await (const window of segments(probe, item.layout, range.from, range.to, durationNs(bc.window))) {
      if (o.signal.aborted || stopped) break;
      const place = progression.add(window.to);
      const task = o.readSlots(async () => {
        for (const stretch of await readableStretches(src, item.rp, item.measurement, types, window, listed)) {
          const stats = await copyWithRetries(src, dst, stretch, source, o, name);
          add(result.stats, stats.last);
          if (stats.error) throw stats.error;
        }
        finished(progression.finish(place));
      }).catch((error: unknown) => {
        result.failures.push(error as Error);
        if (serverFailure(error)) o.onServerFailure(error);
        // The destination refusing one shard group's points, or one stretch that cannot be read exactly, says
        // nothing of the others: they are copied.
        if (!causedBy(error, WriteRejected) && !causedBy(error, AmbiguousTypes)) stopped = true;
      });
      running.add(task);
      void task.finally(() => running.delete(task));
      while (running.size >= bc.read_concurrency) await Promise.race(running);
    }
    await Promise.all(running);
    if (result.failures.length === 0 && !o.signal.aborted) {
      // Everything up to the end of the range is copied, the stretch after the last window included.
      finished(range.to);
      o.ctx.log.info(`Copied ${name} from ${formatNs(range.from)} to ${formatNs(range.to)}.`);
    }
  } catch (error) {
    result.failures.push(error as Error);
    if (serverFailure(error)) o.onServerFailure(error);
  } finally {
    // Windows under way when planning failed are still counted.
    await Promise.all(running);
  }
  return result;
}

// The field types of this measurement (its own), and those its queries meet: with the other measurements the same
// regular expression matches, when its name cannot be quoted.
export async function fieldTypes(src: InfluxServer, item: CopyItem): Promise<StretchFields> {
  if (item.twins.length === 0) {
    const own = await src.fieldTypes(item.rp, item.measurement);
    return { own, read: own };
  }
  const matched = await src.fieldTypesMatched(item.rp, item.measurement);
  return { own: matched.get(item.measurement.bytes.toString('latin1')) ?? new Map(), read: unionTypes(matched.values()) };
}

// The range to copy: the selection's bounds, the checkpoint (incremental), narrowed to the first and last point.
async function rangeOf(src: InfluxServer, item: CopyItem, select: string, probe: Probe, o: ItemCopyOptions) {
  const bc = o.bc;
  let { lower, upper } = selection(bc);
  if (lower >= upper) return undefined;
  const resume = bc.mode === 'incremental' ? o.checkpoint.copiedTo() : undefined;
  if (resume !== undefined && resume - durationNs(bc.overlap) > lower) lower = resume - durationNs(bc.overlap);
  const first = await probe(lower, upper);
  if (first === undefined) return undefined;
  const last = await src.edge(item.rp, item.measurement, select, first, upper, 'last');
  return { from: first, to: (last ?? first) + 1n };
}

// The selection's bounds, [lower, upper): InfluxQL refuses times beyond int64, and InfluxDB stores none outside
// [MIN_TIME, MAX_TIME].
export function selection(bc: BackupConfig): { lower: bigint; upper: bigint } {
  const within = (t: bigint) => (t < MIN_TIME ? MIN_TIME : t > MAX_TIME + 1n ? MAX_TIME + 1n : t);
  return { lower: bc.start !== undefined ? within(timeNs(bc.start)) : MIN_TIME, upper: bc.end !== undefined ? within(timeNs(bc.end)) : MAX_TIME + 1n };
}

// One window, read again from its start when its stream breaks midway; the counts are those of the last try.
async function copyWithRetries(src: InfluxServer, dst: InfluxServer, window: Segment & Window, source: Source, o: ItemCopyOptions, name: string) {
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
        isPermanent: (e) => isPermanent(e) || causedBy(e, RetriesExhausted),
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
