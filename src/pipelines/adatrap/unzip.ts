import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, relative, resolve, isAbsolute } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry, type ZipFile } from 'yauzl';

// Unpacks a zip into a folder, entry by entry, streamed. yauzl refuses absolute names and `..` (a zip that
// would write outside the folder) and entries whose sizes lie; the check below stands guard as well.
export async function unzipTo(zipPath: string, folder: string, signal: AbortSignal): Promise<number> {
  const zip = await new Promise<ZipFile>((ok, fail) => yauzl.open(zipPath, { lazyEntries: true, autoClose: true }, (e, z) => (e ? fail(e) : ok(z!))));
  const root = resolve(folder);
  let files = 0;
  try {
    await new Promise<void>((ok, fail) => {
      zip.on('error', fail);
      zip.on('end', () => ok());
      zip.on('entry', (entry: Entry) => {
        if (signal.aborted) return fail(signal.reason);
        const target = resolve(root, entry.fileName);
        const inside = relative(root, target);
        if (inside.startsWith('..') || isAbsolute(inside)) return fail(new Error(`the entry "${entry.fileName}" would be written outside ${folder}`));
        if (entry.fileName.endsWith('/')) {
          mkdir(target, { recursive: true }).then(() => zip.readEntry(), fail);
          return;
        }
        zip.openReadStream(entry, (error, stream) => {
          if (error) return fail(error);
          mkdir(dirname(target), { recursive: true })
            .then(() => pipeline(stream!, createWriteStream(target), { signal }))
            .then(() => (files++, zip.readEntry()), fail);
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return files;
}

