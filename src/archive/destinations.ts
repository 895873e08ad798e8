import { resolve } from 'node:path';
import type { JsonSchema } from '../core/pipeline.js';
import { archiveLocationSchema, locationProblem, type ArchiveLocation } from './location.js';

// `archive:` of the scan and logs kinds (and `archive.to` of command): one place, or a list of them, each a local
// folder or S3. Every run that succeeds adds one archive, under the same id, in each.
export type ArchiveDestinations = ArchiveLocation | ArchiveLocation[];

// One schema for both shapes, not a oneOf: ajv fills defaults (an S3 place's retries) only outside oneOf, and
// `properties` apply to an object as `items` do to a list.
export const archiveDestinationsSchema = (what: string): JsonSchema => ({
  ...archiveLocationSchema,
  type: ['object', 'array'],
  description: `${what} Each successful run adds one archive (a folder named by its time, manifest.json written last) to every place named: one \`path\` or \`s3\`, or a list of them.`,
  minItems: 1,
  items: archiveLocationSchema,
});

// The places as a list, a local folder resolved from the project folder.
export function destinationList(d: ArchiveDestinations, cwd: string): ArchiveLocation[] {
  return (Array.isArray(d) ? d : [d]).map((l) => (l.path !== undefined ? { ...l, path: resolve(cwd, l.path) } : l));
}

// The problems of places the schema let through, each with its path under `at`.
export function destinationProblems(d: ArchiveDestinations, at: Array<string | number>): Array<{ path: Array<string | number>; message: string }> {
  const list = Array.isArray(d) ? d : [d];
  return list.flatMap((l, i) => {
    const problem = locationProblem(l);
    return problem ? [{ path: Array.isArray(d) ? [...at, i] : at, message: problem }] : [];
  });
}
