import { describeError } from '../core/errors.js';
import { ArchiveUnusable, readAnyManifest } from '../archive/manifest.js';
import { RestoreRefused, restoreDatabases, restoreFiles } from '../archive/restore-whole.js';
import { chooseArchive, openNamed } from '../archive/select.js';
import { ObjectMissing } from '../archive/store.js';
import type { RestoreArgs } from './archive-args.js';
import type { Output } from './output.js';

// `main restore ARCHIVE --to DIR`, for an archive a scan, logs or command process made: its databases written into
// DIR, or its files extracted there; nothing overwritten, nothing written outside DIR. 0 when all is written and
// read back well, 1 naming what is not; undefined when the archive is an InfluxDB one (--to must then be a URL).
export async function restoreIntoFolder(args: RestoreArgs, io: Output): Promise<number | undefined> {
  const named = await openNamed(args.archive, args);
  try {
    const id = await chooseArchive(named, args.asOf);
    const manifest = await readAnyManifest(named.store, id);
    if (manifest.contents === undefined) return undefined;
    if (args.database || args.measurements || args.user) io.err('main: restore: --database, --measurements and --user apply to InfluxDB archives only; ignored');
    if (manifest.contents === 'sqlite') {
      io.out(`Restoring archive ${id} (${manifest.objects.length} database(s), ${manifest.rows} rows) from ${named.store.where} into ${args.to}.\n`);
      const result = await restoreDatabases(named.store, manifest, args.to);
      for (const p of result.problems) io.err(`main: restore: archive ${id}, ${p}`);
      for (const w of result.written) io.out(`Wrote ${w}: checksum, integrity_check and rows per table as the manifest says.\n`);
      return result.problems.length ? 1 : 0;
    }
    io.out(`Restoring archive ${id} (${manifest.files} files, ${manifest.file_bytes} bytes) from ${named.store.where} into ${args.to}.\n`);
    const done = await restoreFiles(named.store, manifest, args.to);
    io.out(`Extracted ${done.files} files, ${done.bytes} bytes, into ${args.to}.\n`);
    return 0;
  } catch (error) {
    if (error instanceof ArchiveUnusable || error instanceof ObjectMissing || error instanceof RestoreRefused) io.err(`main: restore: ${error.message}`);
    else io.err(`main: restore: ${describeError(error)}`);
    return 1;
  } finally {
    named.store.close();
  }
}
