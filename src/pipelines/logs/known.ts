import { createHash } from 'node:crypto';
import { hashPrefix } from './content.js';
import type { FileRecord } from './store-shapes.js';
import type { LogStore } from './store.js';

// A file whose first bytes and earlier content match a file already ingested by this process: the same log,
// grown (`more`), or a copy of it as it was at one of its commits.
export async function findKnown(path: string, gzip: boolean, head: Buffer, size: number | undefined, c: { store: LogStore; signal: AbortSignal }): Promise<{ record: FileRecord; hash: ReturnType<typeof createHash>; more: boolean; size: number } | undefined> {
  for (const length of c.store.headLengths()) {
    if (length > head.length) continue;
    for (const record of c.store.withHead(length, sha256Of(head.subarray(0, length)))) {
      // Shorter than what was ingested: a copy of the log as it was at a commit (the end of a run) is the same content.
      if (size !== undefined && record.size > size) {
        const at = c.store.versionAt(record.id, size);
        if (at === undefined) continue;
        const whole = await hashPrefix(path, gzip, size, c.signal);
        if (whole.hash.copy().digest('hex') === at) return { record, hash: whole.hash, more: false, size };
        continue;
      }
      const prefix = await hashPrefix(path, gzip, record.size, c.signal);
      if (prefix.reached === record.size && prefix.hash.copy().digest('hex') === record.sha256) return { record, hash: prefix.hash, more: prefix.more, size: record.size };
      // A compressed copy of the log as it was at an earlier commit.
      if (prefix.reached < record.size && c.store.versionAt(record.id, prefix.reached) === prefix.hash.copy().digest('hex')) return { record, hash: prefix.hash, more: false, size: prefix.reached };
    }
  }
  return undefined;
}

// The SHA-256 of some bytes, in hex.
export const sha256Of = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
