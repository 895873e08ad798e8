import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { hashingStream, type HashingStream } from '../lib/hashing-stream.js';
import { decompressor } from './codec.js';
import type { FilesManifest, SqliteManifest, SqliteObject, TarObject } from './manifest.js';
import { inspectSqlite } from './sqlite-snapshot.js';
import type { ArchiveStore } from './store.js';
import { TarReader } from './tar-reader.js';

// An object of whole bytes read back (`main check --read-data`): decompressed, its SHA-256 and size compared with the
// manifest; a database then opened, SQLite's integrity_check passed and its rows per table counted again; a tar
// read entry by entry and its files and their bytes counted. The problem, or undefined.
export async function readWholeObject(store: ArchiveStore, manifest: SqliteManifest | FilesManifest, o: SqliteObject | TarObject): Promise<string | undefined> {
  try {
    return manifest.contents === 'sqlite' ? await readDatabase(store, manifest, o as SqliteObject) : await readTar(store, manifest, o as TarObject);
  } catch (error) {
    return `cannot be read: ${(error as Error).message}`;
  }
}

async function readDatabase(store: ArchiveStore, manifest: SqliteManifest, o: SqliteObject): Promise<string | undefined> {
  const temp = await mkdtemp(join(tmpdir(), 'sat-check-'));
  try {
    const file = join(temp, 'copy.sqlite');
    const hashed = hashingStream();
    await pipeline(await store.get(o.key), decompressor(manifest.compression), hashed.stream, createWriteStream(file));
    const differs = sumProblem(hashed, o);
    if (differs) return differs;
    const db = inspectSqlite(file);
    if (db.integrity !== 'ok') return `the database fails SQLite's integrity_check: ${db.integrity}`;
    const wrong = [...new Set([...Object.keys(o.tables), ...Object.keys(db.tables)])].filter((t) => o.tables[t] !== db.tables[t]);
    if (wrong.length) return wrong.map((t) => `table ${t}: ${db.tables[t] ?? 'missing'} rows, the manifest says ${o.tables[t] ?? 'none'}`).join('; ');
    return undefined;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

async function readTar(store: ArchiveStore, manifest: FilesManifest, o: TarObject): Promise<string | undefined> {
  const hashed = hashingStream();
  let files = 0;
  let bytes = 0;
  const reader = new TarReader({
    entry: (e) => {
      if (e.type === 'file') (files++, (bytes += e.size));
    },
  });
  const sink = new Writable({
    write(chunk: Buffer, _, done) {
      try {
        reader.push(chunk);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
  await pipeline(await store.get(o.key), decompressor(manifest.compression), hashed.stream, sink);
  reader.end();
  const differs = sumProblem(hashed, o);
  if (differs) return differs;
  if (files !== o.files || bytes !== o.file_bytes) return `${files} files of ${bytes} bytes, the manifest says ${o.files} of ${o.file_bytes}`;
  return undefined;
}

function sumProblem(hashed: HashingStream, o: { plain_bytes: number; checksum: string }): string | undefined {
  if (hashed.bytes() !== o.plain_bytes) return `${hashed.bytes()} bytes decompressed, the manifest says ${o.plain_bytes}`;
  const sum = hashed.sum();
  return sum === o.checksum ? undefined : `checksum ${sum}, the manifest says ${o.checksum}`;
}
