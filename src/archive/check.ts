import { pipeline } from 'node:stream/promises';
import { decompressor } from './codec.js';
import { LineDigest } from './line-digest.js';
import { eachLine } from './line-scanner.js';
import type { AnyManifest, ArchiveObject, Manifest } from './manifest.js';
import { readWholeObject } from './check-whole.js';
import type { ArchiveStore } from './store.js';

export interface ObjectProblem {
  key: string;
  problem: string;
}

export interface CheckTotals {
  objects: number;
  bytes: number;
  points: number;
  /** An archive of SQLite databases: their rows. */
  rows: number;
  /** An archive of files: the regular files in it. */
  files: number;
  problems: ObjectProblem[];
}

// Every object of an archive is there with its size; with `readData`, each is read whole, and its lines counted and
// summed (line-digest.ts) against the manifest, or, for an archive of SQLite databases or of files, its bytes
// checked as check-whole.ts does.
export async function checkObjects(store: ArchiveStore, manifest: AnyManifest, readData: boolean, onObject: (o: ArchiveObject) => void = () => {}): Promise<CheckTotals> {
  const totals: CheckTotals = { objects: 0, bytes: 0, points: 0, rows: 0, files: 0, problems: [] };
  if (manifest.contents !== undefined) {
    for (const o of manifest.objects) {
      const size = await store.stat(o.key);
      const problem = size === undefined ? 'missing' : size !== o.bytes ? `${size} bytes, the manifest says ${o.bytes}` : readData ? await readWholeObject(store, manifest, o) : undefined;
      if (problem) totals.problems.push({ key: o.key, problem });
      totals.objects++;
      totals.bytes += o.bytes;
      if ('rows' in o) totals.rows += o.rows;
      if ('files' in o) totals.files += o.files;
    }
    return totals;
  }
  for (const o of manifest.objects) {
    const problem = await checkObject(store, manifest, o, readData);
    if (problem) totals.problems.push({ key: o.key, problem });
    totals.objects++;
    totals.bytes += o.bytes;
    totals.points += o.points;
    onObject(o);
  }
  return totals;
}

async function checkObject(store: ArchiveStore, manifest: Manifest, o: ArchiveObject, readData: boolean): Promise<string | undefined> {
  const size = await store.stat(o.key);
  if (size === undefined) return 'missing';
  if (size !== o.bytes) return `${size} bytes, the manifest says ${o.bytes}`;
  if (!readData) return undefined;
  const digest = new LineDigest();
  try {
    await readObjectLines(store, manifest, o.key, (buf, start, end) => digest.add(buf, start, end));
  } catch (error) {
    return `cannot be read: ${(error as Error).message}`;
  }
  if (digest.lines !== o.points) return `${digest.lines} points, the manifest says ${o.points}`;
  if (digest.value !== o.checksum) return `checksum ${digest.value}, the manifest says ${o.checksum}`;
  return undefined;
}

// The lines of one object, decompressed as they come.
export async function readObjectLines(store: ArchiveStore, manifest: Manifest, key: string, onLine: (buf: Buffer, start: number, end: number) => void | Promise<void>): Promise<void> {
  const body = await store.get(key);
  await pipeline(body, decompressor(manifest.compression), (lines: AsyncIterable<Buffer>) => eachLine(lines, onLine));
}
