import type { JsonSchema } from '../core/pipeline.js';
import { s3Service } from '../lib/schema-parts.js';
import type { S3Location } from './s3-store.js';

// Where a process writes its archives (the schema and its checks; open-store.ts opens one, and alone loads the
// S3 client, so that validating a process file does not): a local folder (`path`) or S3 (`s3`), exactly one.
export interface ArchiveLocation {
  path?: string;
  s3?: S3Location;
}

export const archiveLocationSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Where archives go: `path` (a local folder) or `s3` (a bucket and prefix), one of them. Each run adds one archive there, in a folder of its own named by its time.',
  properties: {
    path: { type: 'string', minLength: 1, 'x-path': true, description: 'A local folder (relative to the project folder, the parent of the config folder).' },
    s3: {
      type: 'object',
      additionalProperties: false,
      required: ['bucket', 'region'],
      description: 'An S3 bucket, or an S3-compatible store with `endpoint` and `force_path_style`.',
      properties: {
        bucket: { type: 'string', minLength: 1, description: 'The bucket.' },
        prefix: { type: 'string', default: '', description: 'The folder inside the bucket, e.g. "influx/metrics".' },
        ...s3Service(),
      },
    },
  },
};

// The problem with a location the schema let through, if any: it names both places, or neither.
export function locationProblem(location: ArchiveLocation): string | undefined {
  if (location.path !== undefined && location.s3 !== undefined) return 'expected "path" or "s3", not both';
  if (location.path === undefined && location.s3 === undefined) return 'expected "path" (a local folder) or "s3" (a bucket)';
  return undefined;
}
