import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

const madeDirs = new Set<string>();

// Written whole or not at all: a temporary file beside it, then a rename. A crash leaves the old file or the new one.
export async function writeAtomically(file: string, data: string | Buffer): Promise<void> {
  const dir = dirname(file);
  if (!madeDirs.has(dir)) {
    await mkdir(dir, { recursive: true });
    madeDirs.add(dir);
  }
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

// The same, written at once on this thread. For many small files (scan writes one per interface), where the
// four trips through libuv's thread pool of the promise version (open, write, close, rename) and its FileHandle
// cost more CPU than the writes themselves; a small file goes to the page cache in well under a millisecond.
export function writeAtomicallySync(file: string, data: string | Buffer): void {
  const dir = dirname(file);
  if (!madeDirs.has(dir)) {
    mkdirSync(dir, { recursive: true });
    madeDirs.add(dir);
  }
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}
