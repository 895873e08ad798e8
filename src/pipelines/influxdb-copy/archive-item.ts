import { causedBy, withRetries } from '../../lib/retry.js';
import { isPermanent, PermanentError } from '../../lib/influx-http.js';
import { describeError } from '../../core/errors.js';
import type { PipelineContext } from '../../core/pipeline.js';
import { extension, type Compression } from '../../archive/codec.js';
import { keyPart, type ArchiveObject } from '../../archive/manifest.js';
import type { ArchiveStore } from '../../archive/store.js';
import { durationNs, formatNs } from './duration.js';
import { fieldTypes, selection } from './item-copy.js';
import type { CopyItem } from './plan.js';
import { probeSelect, readLines, sourceOf } from './read.js';
import type { BackupConfig } from './schema.js';
import { segments, type Probe } from './segments.js';
import { readableStretches } from './stretch.js';
import { RetriesExhausted, type InfluxServer } from './server.js';
import { ObjectWriter } from './archive-object.js';
import { showBytes } from './names.js';

export interface ItemArchiveOptions {
  bc: BackupConfig;
  ctx: PipelineContext;
  signal: AbortSignal;
  store: ArchiveStore;
  compression: Compression;
  /** `<id>/<database>/`: where this archive's objects go. */
  prefix: string;
  /** Incremental: where the parent archive left this item; undefined: from the selection's start. */
  resumeFrom?: bigint;
  runStartedNs: bigint;
  onPoints(points: number): void;
}

export interface ItemArchive {
  item: CopyItem;
  /** The range read, [from, to): every point the source held there is in the objects. */
  from: bigint;
  to: bigint;
  /** Where the next incremental archive resumes (never past the run's start); undefined when nothing was found yet. */
  archivedTo?: bigint;
  objects: ArchiveObject[];
  points: number;
  /** The first and last point archived. */
  first?: bigint;
  last?: bigint;
  failure?: Error;
}

// One retention policy × measurement into objects, one per shard group, each window of a group one compressed frame.
// Windows are found as the copy finds them (segments.ts), read one shard group at a time with every value's own
// type (stretch.ts), and read again from their start when a stream breaks midway.
export async function archiveItem(src: InfluxServer, item: CopyItem, o: ItemArchiveOptions): Promise<ItemArchive> {
  const { lower: selected, upper } = selection(o.bc);
  const resume = o.resumeFrom !== undefined ? o.resumeFrom - durationNs(o.bc.overlap) : undefined;
  const lower = resume !== undefined && resume > selected ? resume : selected;
  const result: ItemArchive = { item, from: lower, to: upper, objects: [], points: 0, ...(o.resumeFrom !== undefined ? { archivedTo: o.resumeFrom } : {}) };
  let writer: ObjectWriter | undefined;
  try {
    if (item.unwritable) throw new PermanentError(item.unwritable);
    if (lower >= upper) return result;
    const types = await fieldTypes(src, item);
    const select = probeSelect(types.read);
    const probe: Probe = (from, to) => src.edge(item.rp, item.measurement, select, from, to);
    const first = await probe(lower, upper);
    if (first === undefined) return result;
    const last = (await src.edge(item.rp, item.measurement, select, first, upper, 'last')) ?? first;
    const source = sourceOf(item.rp, item.measurement, types.own);
    const several = [...types.own.values()].some((t) => t.size > 1);
    const listed = item.layout.nextStart !== undefined;
    const name = `${item.measurement.text} [${item.rp}]`;
    const finish = async () => {
      if (!writer) return;
      const w = writer;
      writer = undefined;
      if (w.points === 0) return w.discard();
      result.objects.push(await objectOf(w, item, result, types.own, several));
    };
    for await (const window of segments(probe, item.layout, first, last + 1n, durationNs(o.bc.window))) {
      if (o.signal.aborted) throw o.signal.reason;
      if (writer && writer.group.start !== window.group.start) await finish();
      writer ??= new ObjectWriter(o.store, `${o.prefix}${keyPart(Buffer.from(item.rp))}/${keyPart(item.measurement.bytes)}/${window.group.start}${extension(o.compression)}`, o.compression, window.group);
      const w = writer;
      for (const stretch of await readableStretches(src, item.rp, item.measurement, types, window, listed)) {
        await withRetries(
          () => w.window(several, async (sink) => {
            const points = await readLines(src, source, stretch, o.bc.page_size, sink.out, () => sink.line());
            o.onPoints(points);
          }),
          {
            retries: o.bc.retries,
            isPermanent: (e) => isPermanent(e) || causedBy(e, RetriesExhausted),
            signal: o.signal,
            onRetry: (attempt, error) => o.ctx.log.warn(`Archiving ${name} from ${formatNs(stretch.from)} again (attempt ${attempt}): ${describeError(error)}`),
          },
        );
      }
    }
    await finish();
    result.points = result.objects.reduce((n, obj) => n + obj.points, 0);
    if (result.points > 0) Object.assign(result, { first, last });
    result.archivedTo = last + 1n < o.runStartedNs ? last + 1n : o.runStartedNs;
    o.ctx.log.info(`Archived ${name}: ${result.points} points in ${result.objects.length} object(s), from ${formatNs(first)} to ${formatNs(last)}.`);
  } catch (error) {
    await writer?.discard();
    result.failure = error as Error;
  }
  return result;
}

async function objectOf(w: ObjectWriter, item: CopyItem, range: { from: bigint; to: bigint }, own: Map<string, Set<string>>, several: boolean): Promise<ArchiveObject> {
  const bytes = await w.commit();
  const group = w.group;
  const show = (latin1: string) => showBytes(Buffer.from(latin1, 'latin1'));
  // A field of one type has it in every group; the others' types were read from the lines themselves.
  const fields: Record<string, string[]> = {};
  for (const [field, types] of own) if (!several || types.size === 1) fields[show(field)] = [...types];
  if (several) for (const [field, types] of w.fields) fields[show(field)] = [...types].sort();
  return {
    key: w.key,
    bytes,
    points: w.points,
    checksum: w.digest.value,
    rp: item.rp,
    measurement: item.measurement.text,
    measurement_base64: item.measurement.bytes.toString('base64'),
    shard_group: { start: String(group.start), end: String(group.end) },
    from: String(group.start > range.from ? group.start : range.from),
    to: String(group.end < range.to ? group.end : range.to),
    fields: Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
}
