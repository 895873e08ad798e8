// What the logs store's reader (store.ts) and its writer thread (store-worker.ts) share: the rows of a file,
// how both open the database, and the messages between them. Apart, so that neither imports the other.
import type { OpenOptions } from '../../lib/sqlite.js';
import type { Family } from './formats/index.js';

// The reader and the writer thread open the logs database alike.
export const LOGS_DB: OpenOptions = { synchronous: 'NORMAL', busyTimeoutMs: 30_000 };

export type TailKind = 'entry' | 'reject' | 'excluded' | 'blank';

export interface FileRecord {
  id: number;
  process: string;
  format: string;
  path: string;
  gzip: number;
  size: number;
  sha256: string;
  lines: number;
  head_len: number;
  head_sha256: string;
  resume_offset: number;
  resume_line: number;
  /** What the last message, read again from `resume_line` by the next run, was counted as (entry, reject,
   * excluded, blank); taken back when it is read again. */
  tail_kind: TailKind | null;
  entries: number;
  rejected: number;
  excluded: number;
  first_ingested_at: string;
  ingested_at: string;
}

// Where a file stands after a commit: the content up to `size` is in, lines from `resume_line` (at
// `resume_offset`) are read again next time.
export type FileState = Pick<FileRecord, 'path' | 'size' | 'sha256' | 'lines' | 'head_len' | 'head_sha256' | 'resume_offset' | 'resume_line' | 'tail_kind' | 'entries' | 'rejected' | 'excluded'>;

/** The file as found on disk, for the next run's quick check. */
export interface SourceStat {
  path: string;
  size: number;
  mtimeMs: number;
}

// The main thread's messages to the writer thread, and its replies.
export type WriterMessage =
  | { op: 'begin'; family: Family; fileId?: number; process: string; format: string; path: string; gzip: boolean; fromLine: number }
  | { op: 'rows'; values: unknown[]; count: number; rejects: Array<[number, string, Uint8Array]> }
  | { op: 'commit'; seq: number; state: FileState; source?: SourceStat }
  | { op: 'rollback'; seq: number };

export type WriterReply = { op: 'committed'; seq: number; fileId: number } | { op: 'rolledBack'; seq: number } | { op: 'error'; message: string };
