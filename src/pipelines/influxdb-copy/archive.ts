import pLimit from 'p-limit';
import { describeError, ErrorCode, errorCodeOf, PipelineError } from '../../core/errors.js';
import type { IntegrityCheck, PipelineContext, PipelineOutcome } from '../../core/pipeline.js';
import { checkObjects } from '../../archive/check.js';
import { defaultCompression } from '../../archive/codec.js';
import { CHECKSUM_ALGORITHM } from '../../archive/line-digest.js';
import { openStore } from '../../archive/open-store.js';
import { archiveId, keyPart, listArchives, manifestHeader, readManifest, toolInfo, writeManifest, type ArchiveItem, type Manifest } from '../../archive/manifest.js';
import type { ArchiveStore } from '../../archive/store.js';
import { archiveItem, type ItemArchive } from './archive-item.js';
import { formatNs } from './duration.js';
import { planSource, type CopyItem } from './plan.js';
import type { InfluxCopyConfig } from './schema.js';
import { InfluxServer, serverFailure } from './server.js';

// An archive of the source database in `destination_archive`: one compressed object of line protocol per retention
// policy × measurement × shard group, then manifest.json, written last (an archive without one is never used). An
// incremental archive holds what is new since its parent (the newest complete archive there), from where the parent
// left each measurement, less `overlap`, as the copy resumes from its checkpoint.
export async function archiveInflux(config: InfluxCopyConfig, ctx: PipelineContext): Promise<PipelineOutcome> {
  const bc = config.backup_config;
  const stop = new AbortController();
  const onStop = () => stop.abort(ctx.signal.reason);
  if (ctx.signal.aborted) onStop();
  else ctx.signal.addEventListener('abort', onStop, { once: true });
  const src = new InfluxServer('source', config.source_server, {
    timeoutMs: bc.timeout * 1000,
    retries: bc.retries,
    signal: stop.signal,
    onRetry: (what, attempt, error) => ctx.log.warn(`Retrying ${what} (attempt ${attempt} of ${bc.retries}): ${describeError(error)}`),
  });
  const store = openStore(config.destination_archive!);
  const runStartedNs = BigInt(Date.now()) * 1_000_000n;
  let read = 0;
  let lastProgress = 0;
  const onPoints = (n: number) => {
    read += n;
    if (Date.now() - lastProgress > 500) (lastProgress = Date.now()), ctx.progress({ done: read, unit: 'points' });
  };
  try {
    const parent = bc.mode === 'incremental' ? await newestArchive(store, config) : undefined;
    await src.ping();
    const { rps, items } = await planSource(src, bc, ctx);
    const id = archiveId();
    const mode = parent ? 'incremental' : 'full';
    ctx.log.info(parent ? `Archiving what is new since archive ${parent.id} into ${store.where}/${id}.` : `Archiving "${src.database}" whole into ${store.where}/${id}${bc.mode === 'incremental' ? ' (there is no archive of it there yet)' : ''}.`);
    const resumes = new Map((parent?.items ?? []).filter((i) => i.archived_to !== undefined).map((i) => [itemKey(i.rp, i.measurement_base64), BigInt(i.archived_to!)]));
    const slots = pLimit(bc.read_concurrency);
    const prefix = `${id}/${keyPart(Buffer.from(src.database))}/`;
    const archived = await Promise.all(
      items.map((item) =>
        slots(async () => {
          const done = await archiveItem(src, item, { bc, ctx, signal: stop.signal, store, compression: defaultCompression, prefix, resumeFrom: resumes.get(itemKey(item.rp, item.measurement.bytes.toString('base64'))), runStartedNs, onPoints });
          if (done.failure && serverFailure(done.failure)) stop.abort(done.failure);
          return done;
        }),
      ),
    );
    ctx.progress({ done: read, unit: 'points' });
    if (ctx.signal.aborted) return { records: { read, written: 0, rejected: 0 }, error: { code: ErrorCode.Interrupted, message: `${describeError(ctx.signal.reason)}; archive ${id} was left incomplete (no manifest), and will not be used` } };
    const stopped = archived.find((a) => a.failure && serverFailure(a.failure));
    if (stopped) throw stopped.failure;
    const manifest = manifestOf(id, parent, mode, config, ctx, rps, archived);
    // Every object is there, with its size (and, with `checksum`, its lines read back and summed) before the manifest
    // makes the archive one that restore will use.
    const checked = bc.validate_data === false ? undefined : await checkObjects(store, manifest, bc.validate_data === 'checksum');
    const records = { read, written: manifest.points, rejected: 0 };
    if (checked?.problems.length) {
      const [first] = checked.problems;
      return { records, integrity: { ok: false, checks: checked.problems.map((p) => ({ name: `archive object ${p.key}`, ok: false, detail: p.problem })) }, error: { code: ErrorCode.Integrity, message: `archive ${id} in ${store.where}: object ${first!.key}: ${first!.problem}${checked.problems.length > 1 ? ` (and ${checked.problems.length - 1} more)` : ''}; no manifest was written, so the archive will not be used` } };
    }
    await writeManifest(store, manifest);
    ctx.log.info(`Archive ${id} is complete: ${manifest.points} points in ${manifest.objects.length} object(s), ${manifest.bytes} bytes, ${manifest.time_range ? `from ${manifest.time_range.from_time} to ${manifest.time_range.to_time}` : 'no points'}.`);
    const failed = archived.filter((a) => a.failure);
    const how = bc.validate_data === 'checksum' ? 'present, sized and read back' : 'present and sized';
    const checks: IntegrityCheck[] = archived.map((a) =>
      a.failure ? { name: `archive ${label(a.item)}`, ok: false, detail: `not archived: ${describeError(a.failure)}` } : { name: `archive ${label(a.item)}`, ok: true, expected: a.points, actual: a.points, ...(checked ? { detail: `${a.objects.length} object(s) ${how}` } : {}) },
    );
    const error = failed.length ? { code: errorCodeOf(failed[0]!.failure), message: `${failed.length} of ${archived.length} measurements were not archived: ${failed.slice(0, 5).map((a) => `${label(a.item)}: ${describeError(a.failure)}`).join('; ')}` } : undefined;
    return { records, ...(bc.validate_data === false ? {} : { integrity: { ok: checks.every((c) => c.ok), checks } }), ...(error ? { error } : {}) };
  } catch (error) {
    if (ctx.signal.aborted) return { records: { read, written: 0, rejected: 0 }, error: { code: ErrorCode.Interrupted, message: describeError(ctx.signal.reason) } };
    throw archiveError(store, error);
  } finally {
    ctx.signal.removeEventListener('abort', onStop);
    src.close();
    store.close();
  }
}

// The parent of a new incremental archive: the newest complete archive of the same source database.
async function newestArchive(store: ArchiveStore, config: InfluxCopyConfig): Promise<Manifest | undefined> {
  const { complete } = await listArchives(store);
  for (const id of complete.reverse()) {
    const m = await readManifest(store, id);
    if (m.kind === 'influxdb-copy' && m.source.database === config.source_server.database) return m;
  }
  return undefined;
}

function manifestOf(id: string, parent: Manifest | undefined, mode: 'full' | 'incremental', config: InfluxCopyConfig, ctx: PipelineContext, rps: Array<{ name: string; duration: string; shardGroupDuration: string; replicaN: number; default: boolean }>, archived: ItemArchive[]): Manifest {
  const objects = archived.flatMap((a) => a.objects);
  const first = min(archived.flatMap((a) => (a.first !== undefined ? [a.first] : [])));
  const last = max(archived.flatMap((a) => (a.last !== undefined ? [a.last] : [])));
  const items: ArchiveItem[] = archived.map((a) => ({
    rp: a.item.rp,
    measurement: a.item.measurement.text,
    measurement_base64: a.item.measurement.bytes.toString('base64'),
    ...(a.failure ? { failed: describeError(a.failure) } : { from: String(a.from), to: String(a.to) }),
    ...(a.archivedTo !== undefined ? { archived_to: String(a.archivedTo) } : {}),
  }));
  return {
    ...manifestHeader,
    id,
    parent: parent?.id ?? null,
    mode,
    kind: 'influxdb-copy',
    process: ctx.process,
    created_at: new Date().toISOString(),
    tool: toolInfo(),
    compression: defaultCompression,
    checksum_algorithm: CHECKSUM_ALGORITHM,
    source: { url: config.source_server.url, database: config.source_server.database },
    databases: [{ name: config.source_server.database, retention_policies: rps.map((rp) => ({ name: rp.name, duration: rp.duration, shard_duration: rp.shardGroupDuration, replica_n: rp.replicaN, default: rp.default })) }],
    time_range: first !== undefined && last !== undefined ? { from: String(first), to: String(last), from_time: formatNs(first), to_time: formatNs(last) } : null,
    points: objects.reduce((n, o) => n + o.points, 0),
    bytes: objects.reduce((n, o) => n + o.bytes, 0),
    items,
    objects,
  };
}

const min = (v: bigint[]) => (v.length ? v.reduce((a, b) => (b < a ? b : a)) : undefined);
const max = (v: bigint[]) => (v.length ? v.reduce((a, b) => (b > a ? b : a)) : undefined);
const itemKey = (rp: string, base64: string) => `${rp}\u0000${base64}`;
const label = (item: CopyItem) => `${item.measurement.text} [${item.rp}]`;

// A failure of the archive's folder or bucket says where; one of the source keeps its own code.
function archiveError(store: ArchiveStore, error: unknown): unknown {
  if (errorCodeOf(error) !== ErrorCode.Pipeline) return error;
  return new PipelineError(ErrorCode.Archive, `archive ${store.where}: ${describeError(error)}`, { cause: error });
}
