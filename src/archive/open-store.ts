import { resolve } from 'node:path';
import type { ArchiveLocation } from './location.js';
import { LocalStore } from './local-store.js';
import { S3Store } from './s3-store.js';
import type { ArchiveStore } from './store.js';

export function openStore(location: ArchiveLocation): ArchiveStore {
  return location.s3 ? new S3Store(location.s3) : new LocalStore(resolve(location.path!));
}

// An archive named on the command line: a folder, or s3://bucket/prefix (keys from the AWS default chain; with an
// endpoint, an S3-compatible store addressed path-style).
export function locationOf(text: string, s3: { endpoint?: string; region?: string } = {}): ArchiveLocation {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(text);
  if (!m) return { path: text };
  const region = s3.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  return { s3: { bucket: m[1]!, prefix: m[2]!, region, ...(s3.endpoint ? { endpoint: s3.endpoint } : {}), force_path_style: s3.endpoint !== undefined, retries: 4 } };
}
