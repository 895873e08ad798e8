import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

const CHUNK = 1 << 20;

// Is the file gzip, by its magic bytes (a rotated log is not always named .gz, and a .gz may be plain)?
export async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

// The file's content as a stream of chunks, decompressed when it is gzip; `start` only for plain files.
export function openContent(path: string, gzip: boolean, start = 0, end?: number): Readable {
  const file = createReadStream(path, { highWaterMark: CHUNK, ...(gzip ? {} : { start, ...(end === undefined ? {} : { end: end - 1 }) }) });
  if (!gzip) return file;
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  file.on('error', (error) => gunzip.destroy(error));
  return file.pipe(gunzip);
}

// The first `length` bytes of the content (fewer when it is shorter).
export async function readHead(path: string, gzip: boolean, length: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let have = 0;
  const stream = openContent(path, gzip, 0, gzip ? undefined : length);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parts.push(chunk);
      have += chunk.length;
      if (have >= length) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, length);
}

// The SHA-256 state after the first `length` bytes, and whether the content goes on past them.
export async function hashPrefix(path: string, gzip: boolean, length: number, signal: AbortSignal): Promise<{ hash: Hash; reached: number; more: boolean }> {
  const hash = createHash('sha256');
  let reached = 0;
  let more = false;
  const stream = openContent(path, gzip, 0, gzip ? undefined : length + 1);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      signal.throwIfAborted();
      const take = Math.min(chunk.length, length - reached);
      if (take > 0) hash.update(chunk.subarray(0, take));
      reached += take;
      if (chunk.length > take) {
        more = true;
        break;
      }
    }
  } finally {
    stream.destroy();
  }
  return { hash, reached, more };
}
