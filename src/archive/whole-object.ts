import { copyFile, stat } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { hashingStream } from '../lib/hashing-stream.js';
import { compressor, type Compression } from './codec.js';
import type { ArchiveStore } from './store.js';

// What one object of whole bytes became once compressed into a local file: its SHA-256 and size before compression,
// its size after.
export interface Compressed {
  file: string;
  bytes: number;
  plain_bytes: number;
  checksum: string;
}

// Bytes hashed as they are, compressed, written to `file` (a local temporary file: the archive's places each get a
// copy of it, so that all of them hold the same bytes, read once).
export async function compressInto(source: Readable | AsyncIterable<Buffer>, compression: Compression, file: string): Promise<Compressed> {
  const count = hashingStream();
  await pipeline(source, count.stream, compressor(compression), createWriteStream(file));
  return { file, bytes: (await stat(file)).size, plain_bytes: count.bytes(), checksum: count.sum() };
}

// The compressed file made the object `key` of a store, atomically (a spooled copy, then a rename or a completed
// upload); its size there.
export async function placeObject(store: ArchiveStore, key: string, file: string): Promise<number> {
  const spooled = await store.spool(key);
  try {
    await copyFile(file, spooled);
    return await store.commit(key, spooled);
  } catch (error) {
    await store.discard(spooled).catch(() => {});
    throw error;
  }
}
