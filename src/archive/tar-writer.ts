import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { BLOCK, encodeHeader, padding } from './tar-header.js';

export interface TarTotals {
  files: number;
  file_bytes: number;
  entries: number;
}

// A path to put in a tar: where it is, and its name inside the tar (relative, `/`-separated).
export interface TarRoot {
  from: string;
  name: string;
}

// The bytes of a tar of the roots, made as they are read: folders walked in name order, a symbolic link stored as a
// link (never followed, so nothing outside the paths gets in), a file read for exactly the size its header gives
// (one that shrinks while it is read fails the tar). Sockets, pipes and devices are left out, each told to `skipped`.
export async function* tarOf(roots: TarRoot[], totals: TarTotals, skipped: (path: string, what: string) => void): AsyncGenerator<Buffer> {
  for (const root of roots) yield* entriesOf(root.from, root.name, totals, skipped);
  yield Buffer.alloc(BLOCK * 2);
}

async function* entriesOf(from: string, name: string, totals: TarTotals, skipped: (path: string, what: string) => void): AsyncGenerator<Buffer> {
  const s = await lstat(from);
  const base = { mode: s.mode, mtime: s.mtimeMs / 1000, linkname: '', size: 0 };
  totals.entries++;
  if (s.isSymbolicLink()) {
    yield encodeHeader({ ...base, name, type: 'symlink', linkname: await readlink(from) });
  } else if (s.isDirectory()) {
    yield encodeHeader({ ...base, name: `${name}/`, type: 'directory' });
    for (const child of (await readdir(from)).sort()) yield* entriesOf(join(from, child), `${name}/${child}`, totals, skipped);
  } else if (s.isFile()) {
    yield encodeHeader({ ...base, name, type: 'file', size: s.size });
    let read = 0;
    if (s.size > 0) {
      for await (const chunk of createReadStream(from, { start: 0, end: s.size - 1 })) {
        read += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    }
    if (read !== s.size) throw new Error(`${from} shrank from ${s.size} to ${read} bytes while it was archived`);
    yield padding(s.size);
    totals.files++;
    totals.file_bytes += s.size;
  } else {
    totals.entries--;
    skipped(from, s.isSocket() ? 'a socket' : s.isFIFO() ? 'a named pipe' : 'a device');
  }
}
