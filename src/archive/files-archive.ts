import { lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { describeError, ErrorCode } from '../core/errors.js';
import type { PipelineContext, PipelineOutcome } from '../core/pipeline.js';
import { compressedSuffix, defaultCompression } from './codec.js';
import type { ArchiveLocation } from './location.js';
import { archiveId, manifestHeader, toolInfo, type FilesManifest, type TarObject } from './manifest.js';
import { tarOf, type TarRoot, type TarTotals } from './tar-writer.js';
import { compressInto } from './whole-object.js';
import { succeeded, withArchive, writeWholeArchive } from './write-whole.js';

// The archive step of the command kind: after a run that succeeded, the files and folders it names streamed as one
// tar (tar-writer.ts), compressed, and written as one archive to every place. A path that is not there fails the
// process, naming it: the command did not produce what it was meant to.
export async function archiveFilesAfterRun(outcome: PipelineOutcome, paths: string[], places: ArchiveLocation[], ctx: PipelineContext): Promise<PipelineOutcome> {
  if (!succeeded(outcome)) {
    ctx.log.warn('Not archived: the run did not succeed.');
    return outcome;
  }
  const roots: TarRoot[] = [];
  for (const written of paths) {
    const from = resolve(ctx.cwd, written);
    const there = await lstat(from).then(() => true, (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? false : Promise.reject(error)));
    if (!there) return { ...outcome, error: { code: ErrorCode.Archive, message: `${ctx.file}: process "${ctx.process}": archive path "${written}" does not exist (${from}); no archive was written` } };
    roots.push({ from, name: nameInTar(from, ctx.cwd) });
  }
  const temp = await mkdtemp(join(tmpdir(), 'sat-archive-'));
  try {
    const id = archiveId();
    const compression = defaultCompression;
    const key = `${id}/files.tar${compressedSuffix(compression)}`;
    const totals: TarTotals = { files: 0, file_bytes: 0, entries: 0 };
    let compressed;
    try {
      compressed = await compressInto(Readable.from(tarOf(roots, totals, (path, what) => ctx.log.warn(`${path} is ${what}: not archived.`))), compression, join(temp, `files.tar${compressedSuffix(compression)}`));
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      return { ...outcome, error: { code: ErrorCode.Archive, message: `process "${ctx.process}": making the tar of ${paths.map((p) => `"${p}"`).join(', ')}: ${describeError(error)}; no archive was written` } };
    }
    const object: TarObject = { key, bytes: compressed.bytes, plain_bytes: compressed.plain_bytes, checksum: compressed.checksum, paths, files: totals.files, file_bytes: totals.file_bytes };
    const manifest: FilesManifest = {
      ...manifestHeader,
      id,
      parent: null,
      mode: 'full',
      kind: ctx.kind,
      contents: 'tar',
      process: ctx.process,
      created_at: new Date().toISOString(),
      tool: toolInfo(),
      compression,
      checksum_algorithm: 'sha256',
      files: totals.files,
      file_bytes: totals.file_bytes,
      bytes: compressed.bytes,
      objects: [object],
    };
    const placed = await writeWholeArchive(places, manifest, new Map([[key, compressed.file]]), ctx);
    return withArchive(outcome, placed, `archive ${id}: ${totals.files} file(s) of ${totals.file_bytes} bytes, ${compressed.bytes} bytes compressed`);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

// Its name in the tar: from the project folder when it is inside it, else its absolute path without the leading `/`.
function nameInTar(from: string, cwd: string): string {
  const inside = relative(cwd, from);
  const name = inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : from.replace(/^[/\\]+/, '');
  return name.split(sep).join('/') || '.';
}
