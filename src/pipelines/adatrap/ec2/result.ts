import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PipelineOutcome } from '../../../core/pipeline.js';
import { isNotFound } from '../s3.js';

// Where an instance leaves its day's outcome: beside the archive, under a prefix of this product's own. Kept
// after the run, a record of what the instance said (a few hundred bytes a day).
export const RESULT_PREFIX = '_sysadmintoolkit/adatrap-results';

export interface ResultRef {
  bucket: string;
  key: string;
}

export interface InstanceResult {
  version: 1;
  process: string;
  runId: string;
  day: string;
  instanceId: string;
  finishedAt: string;
  outcome: PipelineOutcome;
}

// `launch` names one launch of a run (a run's job may be tried again).
export function resultRef(archiveBucket: string, process: string, day: string, launch: string): ResultRef {
  return { bucket: archiveBucket, key: `${RESULT_PREFIX}/${process}/${day}/${launch}.json` };
}

export function parseResultUrl(url: string): ResultRef {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!m) throw new Error(`expected --result to be s3://BUCKET/KEY, got "${url}"`);
  return { bucket: m[1]!, key: m[2]! };
}

export async function writeResult(client: S3Client, ref: ResultRef, result: InstanceResult): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: ref.bucket, Key: ref.key, Body: JSON.stringify(result), ContentType: 'application/json' }));
}

// The instance's result, or undefined while there is none.
export async function readResult(client: S3Client, ref: ResultRef, signal: AbortSignal): Promise<InstanceResult | undefined> {
  let text: string;
  try {
    const got = await client.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }), { abortSignal: signal });
    text = await got.Body!.transformToString();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  const result = JSON.parse(text) as InstanceResult;
  if (result?.version !== 1 || typeof result.outcome !== 'object') throw new Error(`s3://${ref.bucket}/${ref.key} is not an instance result of this product`);
  return result;
}
