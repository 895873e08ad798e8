import { S3Client, ListObjectsV2Command, HeadObjectCommand, GetObjectCommand, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import type { StorageConfig } from './schema.js';

// The S3 client of a process. Retries of a request (throttling, 5xx, a dropped connection) are the SDK's own
// standard strategy: exponential backoff with jitter and a retry quota, tested by AWS on every service.
// Checksums are asked for only where S3 requires them: S3-compatible stores (and older MinIO, Ceph) do not all
// understand the CRC trailers the SDK adds by default, and store a streamed upload with its chunk framing;
// what was sent is proven by our own SHA-256 instead (archive.ts).
export function s3Client(storage: StorageConfig): S3Client {
  return new S3Client({
    region: storage.region,
    ...(storage.endpoint ? { endpoint: storage.endpoint } : {}),
    forcePathStyle: storage.force_path_style,
    ...(storage.credentials
      ? { credentials: { accessKeyId: storage.credentials.access_key_id, secretAccessKey: storage.credentials.secret_access_key, ...(storage.credentials.session_token ? { sessionToken: storage.credentials.session_token } : {}) } }
      : {}),
    maxAttempts: storage.retries + 1,
    retryMode: 'standard',
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export interface Listed {
  key: string;
  size: number;
}

// Every key under a prefix, page after page.
export async function* listKeys(client: S3Client, bucket: string, prefix: string, signal: AbortSignal): AsyncGenerator<Listed> {
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }), { abortSignal: signal });
    for (const o of page.Contents ?? []) if (o.Key !== undefined) yield { key: o.Key, size: o.Size ?? 0 };
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

// An object's head, or undefined when there is none.
export async function headObject(client: S3Client, bucket: string, key: string, signal: AbortSignal): Promise<HeadObjectCommandOutput | undefined> {
  try {
    return await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function getObjectStream(client: S3Client, bucket: string, key: string, signal: AbortSignal): Promise<{ body: NodeJS.ReadableStream; size: number }> {
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
  return { body: got.Body as NodeJS.ReadableStream, size: got.ContentLength ?? 0 };
}

export function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

// "NoSuchBucket (404)", "AccessDenied (403)": what S3 said, for a message. Never the request, which is signed.
export function s3Reason(error: unknown): string {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  const name = e?.name && e.name !== 'Error' ? e.name : undefined;
  if (name && status) return `${name} (${status})${e.message && e.message !== name && e.message !== 'UnknownError' ? `: ${e.message}` : ''}`;
  return e?.message ?? String(error);
}
