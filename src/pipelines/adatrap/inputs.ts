import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { hashingStream } from '../../lib/hashing-stream.js';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { ErrorCode, PipelineError, describeError } from '../../core/errors.js';
import { withRetries } from '../../lib/retry.js';
import { literalPrefix, parseKeyPattern, readKey, renderKey, type KeyDays } from './keys.js';
import { getObjectStream, headObject, isNotFound, listKeys, s3Reason } from './s3.js';
import type { InputConfig, Unpack } from './schema.js';
import { unzipTo } from './unzip.js';

export interface ResolvedInput {
  name: string;
  bucket: string;
  key: string;
  size: number;
  /** The days the key names (for `{name.date}`, `{name.from}`, `{name.to}`). */
  days: KeyDays;
}

export interface DownloadedInput extends ResolvedInput {
  sha256: string;
  /** Where it landed, relative to the work folder. */
  path: string;
}

const inputError = (message: string, cause?: unknown) => new PipelineError(ErrorCode.AdatrapInput, message, cause === undefined ? undefined : { cause });
const where = (bucket: string, key: string) => `s3://${bucket}/${key}`;

// The object an input names for a day, by its selection rule.
export async function resolveInput(client: S3Client, name: string, input: InputConfig, day: string, signal: AbortSignal): Promise<ResolvedInput> {
  const parts = parseKeyPattern(input.key);
  try {
    if (input.select === 'exact') {
      const key = renderKey(parts, day);
      const head = await headObject(client, input.bucket, key, signal);
      if (!head) throw inputError(`input "${name}": ${where(input.bucket, key)} does not exist (the day ${day})`);
      return { name, bucket: input.bucket, key, size: head.ContentLength ?? 0, days: { date: day } };
    }
    let best: (ResolvedInput & { rank: string }) | undefined;
    for await (const listed of listKeys(client, input.bucket, literalPrefix(parts), signal)) {
      const days = readKey(parts, listed.key);
      if (!days) continue;
      // latest_on_or_before: the latest day not after `day`; range_covering: of the ranges covering it, the one
      // that starts last (the newest dictionary). Ties go to the key that sorts last, so the choice is stable.
      const rank = input.select === 'latest_on_or_before' ? days.date : days.from !== undefined && days.to !== undefined && days.from <= day && day <= days.to && days.from <= days.to ? days.from : undefined;
      if (rank === undefined || (input.select === 'latest_on_or_before' && rank > day)) continue;
      const candidate = `${rank}\u0000${listed.key}`;
      if (!best || candidate > best.rank) best = { name, bucket: input.bucket, key: listed.key, size: listed.size, days, rank: candidate };
    }
    if (!best) {
      const rule = input.select === 'latest_on_or_before' ? `with a day on or before ${day}` : `whose range covers ${day}`;
      throw inputError(`input "${name}": no key in s3://${input.bucket}/ matches "${input.key}" ${rule}`);
    }
    const { rank: _rank, ...found } = best;
    return found;
  } catch (error) {
    if (error instanceof PipelineError) throw error;
    throw inputError(`input "${name}": looking in s3://${input.bucket}/: ${s3Reason(error)}`, error);
  }
}

export function unpackOf(input: InputConfig): Unpack {
  return input.unpack ?? (/\.gz$/i.test(input.key) ? 'gunzip' : /\.zip$/i.test(input.key) ? 'unzip' : 'none');
}

// Where an input lands when `as` does not say: its name without .gz, or the work folder for a zip.
export function defaultLanding(key: string, unpack: Unpack): string {
  if (unpack === 'unzip') return '.';
  return unpack === 'gunzip' ? basename(key).replace(/\.gz$/i, '') : basename(key);
}

// The most an input may unpack to: real CSV compresses 3 to 20 times; a zip or gzip bomb, a thousand. Past it the
// input is refused before it fills the disk.
const UNPACK_RATIO = 200;
const UNPACK_FLOOR = 1 << 30;
const unpackCap = (packed: number): number => Math.max(UNPACK_FLOOR, packed * UNPACK_RATIO);

function unpackLimit(input: ResolvedInput): Transform {
  const cap = unpackCap(input.size);
  let unpacked = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      unpacked += chunk.length;
      if (unpacked > cap) return done(inputError(`input "${input.name}": ${where(input.bucket, input.key)} unpacks to more than ${cap} bytes (${UNPACK_RATIO} times its size, or 1 GiB): refused, a gzip bomb would fill the disk`));
      done(null, chunk);
    },
  });
}

export interface DownloadOptions {
  workDir: string;
  /** Relative to the work folder. */
  landing: string;
  /** Where a zip waits whole to be unpacked: outside the work folder, so no input can write there. */
  downloadsDir: string;
  unpack: Unpack;
  retries: number;
  signal: AbortSignal;
  onRetry?(attempt: number, error: unknown): void;
}

// Streams an object to where it lands, unpacking on the way, with the SHA-256 of the bytes S3 gave. A
// broken transfer starts again (the SDK retries a request, not a body that breaks halfway).
export async function downloadInput(client: S3Client, input: ResolvedInput, options: DownloadOptions): Promise<DownloadedInput> {
  const target = join(options.workDir, options.landing);
  const got = await withRetries(() => fetchOnce(client, input, target, options), {
    retries: options.retries,
    signal: options.signal,
    isPermanent: (e) => isNotFound(e) || e instanceof PipelineError || ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 500) < 500,
    onRetry: (attempt, error) => options.onRetry?.(attempt, error),
  }).catch((error) => {
    if (error instanceof PipelineError) throw error;
    throw inputError(`input "${input.name}": downloading ${where(input.bucket, input.key)}: ${s3Reason(error)}`, error);
  });
  return { ...input, ...got, path: options.landing };
}

async function fetchOnce(client: S3Client, input: ResolvedInput, target: string, options: DownloadOptions): Promise<{ sha256: string; size: number }> {
  const { body } = await getObjectStream(client, input.bucket, input.key, options.signal);
  const hashed = hashingStream();
  const hashing = hashed.stream;
  // A zip is read from its end (the central directory), so it is kept whole on disk first; the rest stream.
  const file = options.unpack === 'unzip' ? join(options.downloadsDir, `${input.name}.zip`) : target;
  const part = `${file}.part`;
  await mkdir(dirname(part), { recursive: true });
  try {
    // 256 KiB out of gunzip at a time, not zlib's 16 KiB: a sixteenth of the writes and thread-pool round trips.
    const stages: NodeJS.ReadWriteStream[] = options.unpack === 'gunzip' ? [hashing, createGunzip({ chunkSize: 1 << 18 }), unpackLimit(input)] : [hashing];
    await pipeline([body, ...stages, createWriteStream(part)], { signal: options.signal });
  } catch (error) {
    await rm(part, { force: true });
    if ((error as { code?: string }).code === 'Z_DATA_ERROR' || (error as { code?: string }).code === 'Z_BUF_ERROR') {
      throw inputError(`input "${input.name}": ${where(input.bucket, input.key)} is not gzip data: ${describeError(error)}`, error);
    }
    throw error;
  }
  const size = hashed.bytes();
  if (size !== input.size && input.size > 0) {
    await rm(part, { force: true });
    throw new Error(`got ${size} bytes of ${input.size}`);
  }
  await rename(part, file);
  if (options.unpack === 'unzip') {
    try {
      await unzipTo(file, target, options.signal, unpackCap(input.size));
    } catch (error) {
      throw inputError(`input "${input.name}": unpacking ${where(input.bucket, input.key)}: ${describeError(error)}`, error);
    } finally {
      await rm(file, { force: true });
    }
  }
  return { sha256: hashed.sum(), size };
}
