import type { LimitFunction } from 'p-limit';
import { causedBy, withRetries } from '../../lib/retry.js';
import { isPermanent, PermanentError } from '../../lib/influx-http.js';
import { describeError } from '../errors.js';
import type { PipelineContext } from '../types.js';
import { durationNs, formatNs, timeNs } from './duration.js';
import { showBytes } from './names.js';
import type { CopyItem } from './plan.js';
import { probeSelect, sourceOf, unionTypes, type Source } from './read.js';
import type { BackupConfig } from './schema.js';
import { segments, type Probe, type Segment } from './segments.js';
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
  if (o.signal.aborted) return result;
  if (item.unwritable) return { ...result, failures: [new PermanentError(item.unwritable)] };
  const { bc } = o;
  const name = `${item.measurement.text} [${item.rp}]`;
  const running = new Set<Promise<void>>();
  try {
    const types = await fieldTypes(src, item, o);
    const select = probeSelect(types.read);
    const probe: Probe = (from, to) => src.edge(item.rp, item.measurement, select, from, to);
    const range = await rangeOf(src, item, select, probe, o);
    if (!range) return result;
    result.range = range;
    const several = [...types.own].filter(([, t]) => t.size > 1);
    const fields = several.map(([f, t]) => `field "${showBytes(Buffer.from(f, 'latin1'))}" is ${[...t].join(', ')}`).join('; ');
    if (several.length) o.ctx.log.info(`${name}: ${fields} in different shard groups; each point keeps its own type.`);
    if (several.length && !item.layout.nextStart) {
      o.ctx.log.warn(`${name}: ${fields}; this user may not list the shard groups (SHOW SHARDS needs an admin), so they are computed from the retention policy's shard duration: exact unless that duration was changed while points were written. Run the copy as an admin to be sure.`);
    }
    const source = sourceOf(item.rp, item.measurement, types.own);
    const progression = new Progression();
    let stopped = false;
    for await (const window of segments(probe, item.layout, range.from, range.to, durationNs(bc.window))) {
      if (o.signal.aborted || stopped) break;
      const place = progression.add(window.to);
      const task = o.readSlots(async () => {
        // Where shard groups overlap, InfluxQL reads all of them at once and one type per field: it cannot be exact.
        if (window.group.overlapping && several.length) throw new AmbiguousTypes(window, fields);
        const stats = await copyWithRetries(src, dst, window, source, o, name);
        add(result.stats, stats.last);
        if (stats.error) throw stats.error;
        const upTo = progression.finish(place);
        if (upTo !== undefined) o.ctx.checkpoints.set(o.checkpointKey, { upTo: String(upTo < o.runStartedNs ? upTo : o.runStartedNs) });
      }).catch((error: unknown) => {
        result.failures.push(error as Error);
        if (serverFailure(error)) o.onServerFailure(error);
        // The destination refusing one shard group's points, or one stretch that cannot be read exactly, says
        // nothing of the others: they are copied.
        if (!causedBy(error, WriteRejected) && !(error instanceof AmbiguousTypes)) stopped = true;
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
  } finally {
    // Windows under way when planning failed are still counted.
    await Promise.all(running);
  }
  return result;
}

// Stretches where shard groups overlap hold values of several types that InfluxQL cannot tell apart.
export class AmbiguousTypes extends PermanentError {
  constructor(window: Segment, fields: string) {
    super(`from ${formatNs(window.group.start)} to ${formatNs(window.group.end)} shard groups overlap (the retention policy's shard duration was changed while points were written) and ${fields}: InfluxQL reads every value there as one type, so these points cannot be copied exactly; they are not copied`);
    this.name = 'AmbiguousTypes';
  }
}

// The field types to read this measurement by (its own), and those its queries meet (with the other measurements
// the same regular expression matches, when its name cannot be quoted). Where those add a type to one of its
// fields, `SELECT *` would cast or drop its values: the measurement is refused rather than changed.
async function fieldTypes(src: InfluxServer, item: CopyItem, o: ItemCopyOptions): Promise<{ own: FieldTypes; read: FieldTypes }> {
  if (item.twins.length === 0) {
    const own = await src.fieldTypes(item.rp, item.measurement);
    return { own, read: own };
  }
  const matched = await src.fieldTypesMatched(item.rp, item.measurement);
  const own: FieldTypes = matched.get(item.measurement.bytes.toString('latin1')) ?? new Map();
  const read = unionTypes(matched.values());
  const twins = item.twins.map((t) => `"${t.text}"`).join(', ');
  for (const [field, set] of own) {
    const added = [...read.get(field)!].filter((t) => !set.has(t));
    if (added.length) throw new PermanentError(`InfluxQL cannot name "${item.measurement.text}" apart from ${twins} (their names differ only in bytes that are not UTF-8), and field "${showBytes(Buffer.from(field, 'latin1'))}" is ${[...set].join(', ')} here but ${added.join(', ')} there: read together, its values would change type; exclude one of them`);
  }
  o.ctx.log.debug(`${item.measurement.text} [${item.rp}] is read with ${twins}, whose names differ only in bytes that are not UTF-8; only its own series are copied.`);
  return { own, read };
}

// The range to copy: the selection's bounds, the checkpoint (incremental), narrowed to the first and last point.
async function rangeOf(src: InfluxServer, item: CopyItem, select: string, probe: Probe, o: ItemCopyOptions) {
  const bc = o.bc;
  // InfluxQL refuses times beyond int64, and InfluxDB stores none outside [MIN_TIME, MAX_TIME].
  const within = (t: bigint) => (t < MIN_TIME ? MIN_TIME : t > MAX_TIME + 1n ? MAX_TIME + 1n : t);
  let lower = bc.start !== undefined ? within(timeNs(bc.start)) : MIN_TIME;
  const upper = bc.end !== undefined ? within(timeNs(bc.end)) : MAX_TIME + 1n;
  if (lower >= upper) return undefined;
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
