import { describeError, ErrorCode } from '../core/errors.js';
import type { IntegrityCheck, PipelineContext, PipelineOutcome } from '../core/pipeline.js';
import type { ArchiveLocation } from './location.js';
import { writeManifest, type FilesManifest, type SqliteManifest } from './manifest.js';
import type { ArchiveStore } from './store.js';
import { placeObject } from './whole-object.js';

// One archive written to one place: ok, or why not.
export interface Placed {
  where: string;
  problem?: string;
}

// The archive (its objects compressed in local files, `files` by key) written to each place in turn: every object
// placed atomically and found there with its size, then manifest.json, last. A place that fails keeps no manifest
// (the archive there is incomplete and never used) and does not stop the others.
export async function writeWholeArchive(places: ArchiveLocation[], manifest: SqliteManifest | FilesManifest, files: Map<string, string>, ctx: Pick<PipelineContext, 'log' | 'signal'>): Promise<Placed[]> {
  // Loaded here, not at start-up: only a run that archives needs the S3 client.
  const { openStore } = await import('./open-store.js');
  const placed: Placed[] = [];
  for (const location of places) {
    let store: ArchiveStore | undefined;
    let where = location.path ?? `s3://${location.s3!.bucket}/${location.s3!.prefix ?? ''}`;
    try {
      store = openStore(location);
      where = store.where;
      for (const o of manifest.objects) {
        ctx.signal.throwIfAborted();
        const size = await placeObject(store, o.key, files.get(o.key)!);
        if (size !== o.bytes) throw new Error(`object ${o.key} is ${size} bytes there, ${o.bytes} were written`);
      }
      ctx.signal.throwIfAborted();
      await writeManifest(store, manifest);
      ctx.log.info(`Archive ${manifest.id} is complete in ${where}: ${manifest.objects.length} object(s), ${manifest.bytes} bytes.`);
      placed.push({ where });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      const problem = `archive ${manifest.id} in ${where}: ${describeError(error)}; no manifest was written, so the archive will not be used`;
      ctx.log.error(problem);
      placed.push({ where, problem });
    } finally {
      store?.close();
    }
  }
  return placed;
}

// A run's outcome with its archive: one integrity check per place, and E_ARCHIVE when one of them failed.
export function withArchive(outcome: PipelineOutcome, placed: Placed[], detail: string): PipelineOutcome {
  const checks: IntegrityCheck[] = placed.map((p) => ({ name: `archive ${p.where}`, ok: !p.problem, detail: p.problem ?? detail }));
  const integrity = { ok: (outcome.integrity?.ok ?? true) && checks.every((c) => c.ok), checks: [...(outcome.integrity?.checks ?? []), ...checks] };
  const failed = placed.filter((p) => p.problem);
  const error = outcome.error ?? (failed.length ? { code: ErrorCode.Archive, message: failed.map((p) => p.problem).join('; ') } : undefined);
  return { ...outcome, integrity, ...(error ? { error } : {}) };
}

// Whether a run went well enough to archive what it left: no error, every integrity check passed.
export const succeeded = (outcome: PipelineOutcome): boolean => !outcome.error && !outcome.skipped && (outcome.integrity?.ok ?? true);
