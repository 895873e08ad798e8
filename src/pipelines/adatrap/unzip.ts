import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';

// Unpacks a zip into a folder, entry by entry, streamed. yauzl refuses absolute names and `..` (a zip that
// would write outside the folder) and entries whose sizes lie; the check below stands guard as well. An entry
// never replaces a file already there (a duplicate entry, or another input's file), and the whole zip may
// unpack to `cap` bytes at most (a zip bomb).
export async function unzipTo(zipPath: string, folder: string, signal: AbortSignal, cap = Number.MAX_SAFE_INTEGER): Promise<number> {
  const zip = await new Promise<ZipFile>((ok, fail) => yauzl.open(zipPath, { lazyEntries: true, autoClose: true }, (e, z) => (e ? fail(e) : ok(z!))));
  const root = resolve(folder);
  let files = 0;
  // yauzl checks each entry's declared size against what it inflates to, so the declared sum is a true bound.
  let declared = 0;
  try {
    await new Promise<void>((ok, fail) => {
      zip.on('error', fail);
      zip.on('end', () => ok());
      zip.on('entry', (entry: Entry) => {
        if (signal.aborted) return fail(signal.reason);
        const target = resolve(root, entry.fileName);
        const inside = relative(root, target);
        if (inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return fail(new Error(`the entry "${entry.fileName}" would be written outside ${folder}`));
        declared += entry.uncompressedSize;
        if (declared > cap) return fail(new Error(`it unpacks to more than ${cap} bytes: refused, a zip bomb would fill the disk`));
        if (entry.fileName.endsWith('/')) {
          mkdir(target, { recursive: true }).then(() => zip.readEntry(), fail);
          return;
        }
        zip.openReadStream(entry, (error, stream) => {
          if (error) return fail(error);
          mkdir(dirname(target), { recursive: true })
            .then(() => pipeline(stream!, createWriteStream(target, { flags: 'wx' }), { signal }))
            .then(
              () => (files++, zip.readEntry()),
              (e: NodeJS.ErrnoException) => fail(e.code === 'EEXIST' ? new Error(`the entry "${entry.fileName}" would replace a file already there (a duplicate entry, or another input's file)`) : e),
            );
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return files;
}

