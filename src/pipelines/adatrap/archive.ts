import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Transform } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { headObject } from './s3.js';
import type { Output } from './outputs.js';
import { writeZip } from './zip.js';

// The metadata key S3 keeps the archive's SHA-256 under (x-amz-meta-sha256). An ETag is no hash of the object
// for a multipart upload (nor with SSE-KMS), so the proof travels in the metadata and is compared on HEAD.
export const SHA256_META = 'sha256';

export interface Archive {
  path: string;
  sha256: string;
  bytes: number;
}

// A zip of the outputs, byte for byte the same for the same outputs: entries in the listed order, each dated
// the processed day, so that `overwrite: if-different` compares what was computed, not when.
export async function buildArchive(outputs: Output[], day: string, path: string, signal: AbortSignal): Promise<Archive> {
  const hash = createHash('sha256');
  let bytes = 0;
  const part = `${path}.part`;
  try {
    const hashing = new Transform({ transform: (chunk: Buffer, _e, done) => (hash.update(chunk), (bytes += chunk.length), done(null, chunk)) });
    const entries = outputs.map((o) => ({ name: o.file, path: o.path }));
    await writeZip(entries, [hashing, createWriteStream(part)], part, { mtime: new Date(`${day}T00:00:00Z`), signal });
  } catch (error) {
    await rm(part, { force: true });
    throw error;
  }
  await rename(part, path);
  return { path, sha256: hash.digest('hex'), bytes };
}

export interface Existing {
  bytes: number;
  /** Absent: the object was not put there by this product (or its metadata was lost). */
  sha256?: string;
}

export async function existingArchive(client: S3Client, bucket: string, key: string, signal: AbortSignal): Promise<Existing | undefined> {
  const head = await headObject(client, bucket, key, signal);
  if (!head) return undefined;
  const sha256 = head.Metadata?.[SHA256_META];
  return { bytes: head.ContentLength ?? 0, ...(sha256 && /^[0-9a-f]{64}$/.test(sha256) ? { sha256 } : {}) };
}

export interface UploadOptions {
  bucket: string;
  key: string;
  /** Written as metadata beside the hash: which run and day put it there. */
  tags: Record<string, string>;
  signal: AbortSignal;
}

// Streams the archive up (multipart above 16 MiB, four parts at once), then proves it with a HEAD: the size
// S3 holds and the SHA-256 in its metadata are those of the file sent.
export async function uploadArchive(client: S3Client, archive: Archive, options: UploadOptions): Promise<Existing> {
  const upload = new Upload({
    client,
    params: { Bucket: options.bucket, Key: options.key, Body: createReadStream(archive.path, { highWaterMark: 1 << 20 }), ContentType: 'application/zip', ContentLength: archive.bytes, Metadata: { ...options.tags, [SHA256_META]: archive.sha256 } },
    partSize: 16 * 1024 * 1024,
    queueSize: 4,
    leavePartsOnError: false,
  });
  const abort = () => void upload.abort().catch(() => {});
  options.signal.addEventListener('abort', abort, { once: true });
  try {
    await upload.done();
  } finally {
    options.signal.removeEventListener('abort', abort);
  }
  const held = await existingArchive(client, options.bucket, options.key, options.signal);
  if (!held) throw new Error(`s3://${options.bucket}/${options.key} is not there after the upload`);
  return held;
}
