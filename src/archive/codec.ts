import zlib from 'node:zlib';
import type { Transform } from 'node:stream';

// How objects are compressed: zstd with Node's own zlib (Node 22.15 and 23.8 on), else gzip; the manifest says which.
export type Compression = 'zstd' | 'gzip';

const hasZstd = typeof (zlib as { createZstdCompress?: unknown }).createZstdCompress === 'function';

export const defaultCompression: Compression = hasZstd ? 'zstd' : 'gzip';

export const extension = (c: Compression): string => (c === 'zstd' ? '.lp.zst' : '.lp.gz');

// A compressor; each window of a copy is one frame (zstd) or member (gzip): concatenated, they read as one stream.
export function compressor(c: Compression): Transform {
  return c === 'zstd' ? zlib.createZstdCompress({ params: { [zlib.constants.ZSTD_c_compressionLevel]: 3 } }) : zlib.createGzip({ level: 6 });
}

export function decompressor(c: Compression): Transform {
  if (c === 'zstd' && !hasZstd) throw new Error('this archive is compressed with zstd, which this Node.js cannot read (it needs 22.15, 23.8 or later)');
  return c === 'zstd' ? zlib.createZstdDecompress() : zlib.createGunzip();
}

// The ending of an object of whole bytes (a SQLite file, a tar), after its own: `.zst` or `.gz`.
export const compressedSuffix = (c: Compression): string => (c === 'zstd' ? '.zst' : '.gz');
