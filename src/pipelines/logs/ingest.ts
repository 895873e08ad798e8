import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { Cleaner } from './clean.js';
import { hashPrefix, isGzip, openContent, readHead } from './content.js';
import { mask, type Drain } from './drain.js';
import type { Entry, LineFormat } from './formats/index.js';
import { splitLines } from './lines.js';
import type { Rejects } from './rejects.js';
import { Stats } from './stats.js';
import type { FileState, LogStore, TailKind } from './store.js';

// The first bytes of the content identify a file, whatever its name or compression.
const HEAD_BYTES = 1024;
// Lines per transaction: large enough to make commits cheap, small enough that a kill loses little work.
const BATCH = 20_000;

export type FileStatus = 'new' | 'continued' | 'unchanged' | 'duplicate';

export interface FileOutcome {
  path: string;
  status: FileStatus;
  /** The name the content was first ingested under, when it differs (a rotated or copied log). */
  sameAs?: string;
  fileId?: number;
  /** Content bytes read this run, after decompression. */
  bytes: number;
  size?: number;
  sha256?: string;
  lines: number;
  entries: number;
  rejected: number;
  excluded: number;
  blank: number;
  invalidUtf8: number;
  stats: Stats;
}

export interface IngestContext {
  store: LogStore;
  format: LineFormat;
  cleaner: Cleaner;
  excludedByRule: number[];
  drain?: Drain;
  rejects: Rejects;
  topCapacity: number;
  maxLineBytes: number;
  signal: AbortSignal;
  onLines(lines: number): void;
}

// Ingest one log: skip it if its content is in already, continue it if it grew, read it whole if it is new.
export async function ingestFile(path: string, c: IngestContext): Promise<FileOutcome> {
  const source = await stat(path);
  const outcome: FileOutcome = { path, status: 'new', bytes: 0, lines: 0, entries: 0, rejected: 0, excluded: 0, blank: 0, invalidUtf8: 0, stats: new Stats(c.format.family, c.topCapacity) };
  const seen = c.store.unchanged(path, source.size, source.mtimeMs);
  if (seen) return { ...outcome, status: 'unchanged', fileId: seen.id, size: seen.size, sha256: seen.sha256 };

  const gzip = await isGzip(path);
  const head = await readHead(path, gzip, HEAD_BYTES);
  const match = await findKnown(path, gzip, head, gzip ? undefined : source.size, c);
  if (match && !match.more) {
    c.store.touch(match.record.id, path, source.size, source.mtimeMs);
    const status = match.record.path === path ? 'unchanged' : 'duplicate';
    return { ...outcome, status, fileId: match.record.id, size: match.record.size, sha256: match.record.sha256, ...(status === 'duplicate' ? { sameAs: match.record.path } : {}) };
  }

  const known = match?.record;
  if (known) {
    outcome.status = 'continued';
    if (known.path !== path) outcome.sameAs = known.path;
  }
  const from = known?.resume_offset ?? 0;
  const writer = c.store.writer(c.format.family, known);
  // The file's running totals; the unfinished last line of the previous run is read again, so it is taken back.
  const totals = { entries: known?.entries ?? 0, rejected: known?.rejected ?? 0, excluded: known?.excluded ?? 0 };
  if (known?.tail_kind === 'entry') totals.entries--;
  if (known?.tail_kind === 'reject') totals.rejected--;
  if (known?.tail_kind === 'excluded') totals.excluded--;
  let lastKind: TailKind = 'blank';
  const state = (size: number, sha256: string, nextLine: number, tail?: { offset: number; line: number }, final = false): FileState => ({
    path,
    format: c.format.name,
    size,
    sha256,
    lines: nextLine - 1,
    head_len: Math.min(HEAD_BYTES, size, head.length),
    head_sha256: sha256Of(head.subarray(0, Math.min(HEAD_BYTES, size, head.length))),
    resume_offset: tail ? tail.offset : size,
    resume_line: tail ? tail.line : nextLine,
    tail_kind: tail ? lastKind : null,
    // Only a file read to its end may be skipped unread next time.
    source_size: final ? source.size : -1,
    source_mtime_ms: final ? source.mtimeMs : -1,
    gzip: gzip ? 1 : 0,
    ...totals,
  });

  const took = (kind: TailKind) => {
    lastKind = kind;
    outcome.lines++;
  };
  writer.begin(path, c.format.name, gzip, known?.resume_line ?? 1);
  let result: Awaited<ReturnType<typeof splitLines>>;
  try {
    result = await splitLines(openContent(path, gzip, gzip ? 0 : from), {
    line(text, lineNo, raw, tail) {
      if (text.trim() === '') {
        outcome.blank++;
        return took('blank');
      }
      if (raw) outcome.invalidUtf8++;
      const parsed = c.format.parse(text);
      if (typeof parsed === 'string') return reject(lineNo, tail ? `${parsed} (the last line, without a newline: cut short?)` : parsed, raw ?? Buffer.from(text));
      const rule = c.cleaner.match(parsed);
      if (rule >= 0) {
        c.excludedByRule[rule]!++;
        outcome.excluded++;
        totals.excluded++;
        return took('excluded');
      }
      store(lineNo, parsed, text);
    },
    overlong(lineNo, head, bytes, tail) {
      reject(lineNo, `line of ${bytes} bytes, longer than max_line_bytes (${c.maxLineBytes}); its first ${head.length} bytes are kept`, head);
      void tail;
    },
    checkpoint(offset, nextLine, digest) {
      c.onLines(outcome.lines);
      if (writer.pending >= BATCH) writer.commit(state(offset, digest(), nextLine));
    },
  }, { streamStart: gzip ? 0 : from, from, firstLine: known?.resume_line ?? 1, hash: known ? match!.hash : createHash('sha256'), hashedUpTo: known?.size ?? 0, maxLineBytes: c.maxLineBytes, signal: c.signal });
    writer.commit(state(result.size, result.sha256, result.nextLine, result.tail, true), true);
  } catch (error) {
    writer.rollback();
    throw error;
  }
  c.onLines(outcome.lines);
  return { ...outcome, fileId: writer.fileId, bytes: result.size - from, size: result.size, sha256: result.sha256 };

  function reject(lineNo: number, reason: string, text: Buffer): void {
    writer.reject(lineNo, reason, text);
    c.rejects.add(path, lineNo, reason, text);
    outcome.rejected++;
    totals.rejected++;
    took('reject');
  }

  function store(lineNo: number, entry: Entry, text: string): void {
    writer.add(lineNo, entry, text);
    outcome.entries++;
    totals.entries++;
    outcome.stats.add(entry);
    if (c.drain) addTemplate(c.drain, c.format.family === 'http', entry);
    took('entry');
  }
}

// A file whose first bytes and whole earlier content match a file already ingested: the same log, maybe grown.
async function findKnown(path: string, gzip: boolean, head: Buffer, size: number | undefined, c: IngestContext) {
  for (const length of c.store.headLengths()) {
    if (length > head.length) continue;
    for (const record of c.store.withHead(length, sha256Of(head.subarray(0, length)))) {
      if (size !== undefined && record.size > size) continue;
      const prefix = await hashPrefix(path, gzip, record.size, c.signal);
      if (prefix.reached === record.size && prefix.hash.copy().digest('hex') === record.sha256) return { record, hash: prefix.hash, more: prefix.more };
    }
  }
  return undefined;
}

// Access logs: the method and the path, each segment holding a digit made <*> (GET /api/users/<*>/orders).
// Other formats: the message, its numbers and IP addresses masked first.
function addTemplate(drain: Drain, http: boolean, entry: Entry): void {
  if (http) {
    if (!entry.method || !entry.path) return;
    const q = entry.path.indexOf('?');
    const path = q >= 0 ? entry.path.slice(0, q) : entry.path;
    return drain.add([entry.method, ...path.split('/').map((s) => (/\d/.test(s) ? '<*>' : s))], `${entry.method} ${path}`, entry.time);
  }
  if (!entry.message) return;
  const tokens = mask(entry.message).split(/\s+/).filter(Boolean);
  if (tokens.length) drain.add(tokens, entry.message.length > 300 ? `${entry.message.slice(0, 300)}…` : entry.message, entry.time);
}

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
