import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describeError, ErrorCode } from '../core/errors.js';
import type { PipelineContext, PipelineOutcome } from '../core/pipeline.js';
import { compressedSuffix, defaultCompression } from './codec.js';
import type { ArchiveLocation } from './location.js';
import { archiveId, keyPart, manifestHeader, toolInfo, type SqliteManifest, type SqliteObject } from './manifest.js';
import { snapshotSqlite } from './sqlite-snapshot.js';
import { compressInto } from './whole-object.js';
import { succeeded, withArchive, writeWholeArchive } from './write-whole.js';

// The archive step of a kind that keeps SQLite databases (scan, logs): after a run that succeeded, each database
// copied consistently while it may be written (sqlite-snapshot.ts), its rows counted per table, compressed, and
// written as one archive to every place; the run's outcome gains a check per place.
export async function archiveSqliteAfterRun(outcome: PipelineOutcome, databases: string[], places: ArchiveLocation[], ctx: PipelineContext): Promise<PipelineOutcome> {
  if (!succeeded(outcome)) {
    ctx.log.warn('Not archived: the run did not succeed.');
    return outcome;
  }
  const temp = await mkdtemp(join(tmpdir(), 'sat-archive-'));
  try {
    const id = archiveId();
    const compression = defaultCompression;
    const objects: SqliteObject[] = [];
    const files = new Map<string, string>();
    for (const [i, database] of databases.entries()) {
      const copy = join(temp, `${i}.sqlite`);
      let counted;
      try {
        counted = await snapshotSqlite(database, copy);
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        return { ...outcome, error: { code: ErrorCode.Archive, message: `process "${ctx.process}": archiving the database ${database}: ${describeError(error)}; no archive was written` } };
      }
      const key = `${id}/${keyPart(Buffer.from(basename(database)))}${compressedSuffix(compression)}`;
      const compressed = await compressInto(createReadStream(copy), compression, join(temp, `${i}.sqlite${compressedSuffix(compression)}`));
      files.set(key, compressed.file);
      objects.push({ key, bytes: compressed.bytes, plain_bytes: compressed.plain_bytes, checksum: compressed.checksum, database, ...counted });
    }
    const manifest: SqliteManifest = {
      ...manifestHeader,
      id,
      parent: null,
      mode: 'full',
      kind: ctx.kind,
      contents: 'sqlite',
      process: ctx.process,
      created_at: new Date().toISOString(),
      tool: toolInfo(),
      compression,
      checksum_algorithm: 'sha256',
      rows: objects.reduce((n, o) => n + o.rows, 0),
      bytes: objects.reduce((n, o) => n + o.bytes, 0),
      objects,
    };
    const placed = await writeWholeArchive(places, manifest, files, ctx);
    return withArchive(outcome, placed, `archive ${id}: ${objects.length} database(s), ${manifest.rows} rows, ${manifest.bytes} bytes`);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
