import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ObjectMissing, type ArchiveStore, type StoredObject } from './store.js';

export interface S3Location {
  bucket: string;
  prefix: string;
  region: string;
  endpoint?: string;
  force_path_style: boolean;
  credentials?: { access_key_id: string; secret_access_key: string; session_token?: string };
  retries: number;
}

// Archives in an S3 bucket (or an S3-compatible store, path-style). An object is spooled to a local file, then sent
// as one PUT or a multipart upload: S3 shows an object only once its upload has completed. Checksums are asked for
// only where S3 requires them, as in the adatrap kind: the archive's own checksums prove the data.
export class S3Store implements ArchiveStore {
  readonly where: string;
  private readonly client: S3Client;
  private readonly prefix: string;
  private spoolDir?: Promise<string>;

  constructor(private readonly location: S3Location) {
    this.prefix = location.prefix.replace(/^\/+|\/+$/g, '');
    this.where = `s3://${location.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
    const c = location.credentials;
    this.client = new S3Client({
      region: location.region,
      ...(location.endpoint ? { endpoint: location.endpoint } : {}),
      forcePathStyle: location.force_path_style,
      ...(c ? { credentials: { accessKeyId: c.access_key_id, secretAccessKey: c.secret_access_key, ...(c.session_token ? { sessionToken: c.session_token } : {}) } } : {}),
      maxAttempts: location.retries + 1,
      retryMode: 'standard',
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async spool(key: string): Promise<string> {
    this.spoolDir ??= mkdtemp(join(tmpdir(), 'sat-archive-'));
    return join(await this.spoolDir, `${encodeURIComponent(key)}.partial`);
  }

  async commit(key: string, spooled: string): Promise<number> {
    try {
      const size = (await stat(spooled)).size;
      await new Upload({ client: this.client, params: { Bucket: this.location.bucket, Key: this.key(key), Body: createReadStream(spooled) } }).done();
      return size;
    } finally {
      await this.discard(spooled);
    }
  }

  async discard(spooled: string): Promise<void> {
    await rm(spooled, { force: true });
  }

  async put(key: string, body: Buffer): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.location.bucket, Key: this.key(key), Body: body }));
  }

  async get(key: string): Promise<Readable> {
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.key(key) }));
      return got.Body as Readable;
    } catch (error) {
      if (notFound(error)) throw new ObjectMissing(this.where, key);
      throw error;
    }
  }

  async stat(key: string): Promise<number | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.key(key) }));
      return head.ContentLength ?? 0;
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  }

  async *list(prefix: string): AsyncGenerator<StoredObject> {
    let token: string | undefined;
    const base = this.prefix ? `${this.prefix}/` : '';
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: base + prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key !== undefined) yield { key: o.Key.slice(base.length), size: o.Size ?? 0 };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.key(key) }));
  }

  // In batches of 1000 keys (the most one DeleteObjects takes); a key S3 could not delete fails the whole call.
  async removePrefix(prefix: string): Promise<number> {
    const keys: string[] = [];
    for await (const o of this.list(prefix)) keys.push(this.key(o.key));
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const done = await this.client.send(new DeleteObjectsCommand({ Bucket: this.location.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
      const [first] = done.Errors ?? [];
      if (first) throw new Error(`${this.where}: could not delete "${first.Key}": ${first.Code ?? ''} ${first.Message ?? ''}`.trim());
    }
    return keys.length;
  }

  close(): void {
    this.client.destroy();
    if (this.spoolDir) void this.spoolDir.then((dir) => rm(dir, { recursive: true, force: true }));
  }

  private key(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }
}

function notFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}
