import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { Cleaner } from './clean.js';
import { hashPrefix, isGzip, openContent, readHead } from './content.js';
import type { Family, LineFormat } from './formats/index.js';
import { escapeInvalidUtf8, splitLines } from './lines.js';
import type { PatternBatch, PatternMiner } from './patterns.js';
import type { Rejects } from './rejects.js';
import { Stats } from './stats.js';
import type { FileRecord, FileState, LogStore, SourceStat, TailKind } from './store.js';

// The first bytes of the content find the candidates for "already seen", whatever the name or compression.
const HEAD_BYTES = 1024;
// Lines per transaction: large enough to make commits cheap, small enough that a kill loses little work.
const BATCH = 20_000;

export type FileStatus = 'new' | 'continued' | 'unchanged' | 'duplicate';

export interface Counts {
  lines: number;
  entries: number;
  rejected: number;
  excluded: number;
  blank: number;
  invalidUtf8: number;
}

export interface FileOutcome extends Counts {
  path: string;
  status: FileStatus;
  /** The name the content was first ingested under, when it differs (a rotated or copied log). */
  sameAs?: string;
  fileId?: number;
  /** Content bytes read this run, after decompression. */
  bytes: number;
  size?: number;
  sha256?: string;
  stats: Stats;
}

// A file that failed part way: what its commits stored is in `outcome`, and stays.
export class FileFailed extends Error {
  constructor(readonly outcome: FileOutcome, cause: unknown) {
    super((cause as Error)?.message ?? String(cause), { cause });
    this.name = 'FileFailed';
  }
}

export interface IngestContext {
  store: LogStore;
  format: LineFormat;
  cleaner: Cleaner;
  excludedByRule: number[];
  patterns?: PatternMiner;
  rejects: Rejects;
  topCapacity: number;
  maxLineBytes: number;
  signal: AbortSignal;
  onLines(lines: number): void;
}

// What a batch of lines adds, applied to the run only when the batch commits: a rollback leaves no trace.
interface Batch extends Counts {
  stats: Stats;
  excludedByRule: number[];
  rejects: Array<[number, string, Buffer]>;
  templates?: PatternBatch;
}

// Ingest one log: skip it if its content is in already, continue it if it grew, read it whole if it is new.
export async function ingestFile(path: string, c: IngestContext): Promise<FileOutcome> {
  const info = await stat(path);
  const source: SourceStat = { path, size: info.size, mtimeMs: info.mtimeMs };
  const outcome = emptyOutcome(path, c.format.family, c.topCapacity);
  const seen = c.store.unchanged(source);
  if (seen) return { ...outcome, status: seen.path === path ? 'unchanged' : 'duplicate', ...(seen.path === path ? {} : { sameAs: seen.path }), fileId: seen.id, size: seen.size, sha256: seen.sha256 };

  const gzip = await isGzip(path);
  const head = await readHead(path, gzip, HEAD_BYTES);
  const match = await findKnown(path, gzip, head, gzip ? undefined : info.size, c);
  if (match && !match.more) {
    c.store.touch(match.record.id, source);
    const status = match.record.path === path ? 'unchanged' : 'duplicate';
    return { ...outcome, status, fileId: match.record.id, size: match.size, sha256: match.record.sha256, ...(status === 'duplicate' ? { sameAs: match.record.path } : {}) };
  }

  const known = match?.record;
  if (known) {
    outcome.status = 'continued';
    if (known.path !== path) outcome.sameAs = known.path;
  }
  const from = known?.resume_offset ?? 0;
  const firstLine = known?.resume_line ?? 1;
  const family = c.format.family;
  const writer = c.store.writer(family, known);
  // The file's totals over every batch handed to the writer; the unfinished last line of the previous run is
  // read again, so it is taken back.
  const sent = { entries: known?.entries ?? 0, rejected: known?.rejected ?? 0, excluded: known?.excluded ?? 0 };
  if (known?.tail_kind === 'entry') sent.entries--;
  if (known?.tail_kind === 'reject') sent.rejected--;
  if (known?.tail_kind === 'excluded') sent.excluded--;
  const newBatch = (): Batch => ({ ...zero(), stats: new Stats(family, c.topCapacity), excludedByRule: c.excludedByRule.map(() => 0), rejects: [], templates: c.patterns?.stage() });
  let batch = newBatch();
  let lastKind: TailKind = 'blank';
  let sentLine = firstLine;
  let committedOffset = from;

  // The identity of the content so far: its first kilobyte, hashed again only while the file is shorter.
  const heads = new Map<number, string>();
  const headOf = (length: number) => heads.get(length) ?? heads.set(length, sha256Of(head.subarray(0, length))).get(length)!;
  const state = (size: number, sha256: string, nextLine: number, tail?: { offset: number; line: number }): FileState => ({
    path,
    size,
    sha256,
    lines: nextLine - 1,
    head_len: Math.min(HEAD_BYTES, size, head.length),
    head_sha256: headOf(Math.min(HEAD_BYTES, size, head.length)),
    resume_offset: tail ? tail.offset : size,
    resume_line: tail ? tail.line : nextLine,
    tail_kind: tail ? lastKind : null,
    entries: sent.entries + batch.entries,
    rejected: sent.rejected + batch.rejected,
    excluded: sent.excluded + batch.excluded,
  });
  // Hand the batch to the writer with the file's new position. Once that commit is acknowledged, the batch's
  // counts, statistics, rejects and templates belong to the run.
  const commit = (st: FileState, source?: SourceStat): Promise<void> => {
    const stage = batch;
    batch = newBatch();
    sent.entries += stage.entries;
    sent.rejected += stage.rejected;
    sent.excluded += stage.excluded;
    sentLine = st.lines + 1;
    return writer.commit(st, source, () => {
      for (const k of ['lines', 'entries', 'rejected', 'excluded', 'blank', 'invalidUtf8'] as const) outcome[k] += stage[k];
      outcome.stats.merge(stage.stats);
      stage.excludedByRule.forEach((n, i) => (c.excludedByRule[i]! += n));
      for (const [line, reason, text] of stage.rejects) c.rejects.add(path, line, reason, text);
      stage.templates?.commit();
      committedOffset = st.size;
    });
  };
  const took = (kind: TailKind) => {
    lastKind = kind;
    batch.lines++;
  };
  const reject = (line: number, reason: string, text: Buffer) => {
    writer.reject(line, reason, text);
    batch.rejects.push([line, reason, text]);
    batch.rejected++;
    took('reject');
  };

  writer.begin(path, gzip, firstLine);
  let result: Awaited<ReturnType<typeof splitLines>>;
  try {
    const sink = {
      line(text: string, line: number, raw?: Buffer, tail?: boolean) {
        if (raw) {
          batch.invalidUtf8++;
          // Inside a JSON string a bare \x is not an escape: write it as \\x so the line still parses.
          if (family === 'json') text = escapeInvalidUtf8(raw, '\\\\x');
        }
        if (text.trim() === '') {
          batch.blank++;
          return took('blank');
        }
        const parsed = c.format.parse(text);
        if (typeof parsed === 'string') return reject(line, tail ? `${parsed} (the last line, without a newline: cut short?)` : parsed, raw ?? Buffer.from(text));
        const rule = c.cleaner.match(parsed);
        if (rule >= 0) {
          batch.excludedByRule[rule]!++;
          batch.excluded++;
          return took('excluded');
        }
        writer.add(line, parsed, text);
        batch.entries++;
        batch.stats.add(parsed);
        batch.templates?.add(parsed);
        took('entry');
      },
      overlong(line: number, head: Buffer, bytes: number) {
        reject(line, `line of ${bytes} bytes, longer than max_line_bytes (${c.maxLineBytes}); its first ${head.length} bytes are kept`, head);
      },
      async checkpoint(offset: number, nextLine: number, digest: () => string) {
        c.onLines(outcome.lines + batch.lines);
        if (nextLine - sentLine >= BATCH) await commit(state(offset, digest(), nextLine));
      },
    };
    result = await splitLines(openContent(path, gzip, gzip ? 0 : from), sink, {
      streamStart: gzip ? 0 : from,
      from,
      firstLine,
      hash: known ? match!.hash : createHash('sha256'),
      hashedUpTo: known?.size ?? 0,
      maxLineBytes: c.maxLineBytes,
      signal: c.signal,
    });
    await commit(state(result.size, result.sha256, result.nextLine, result.tail), source);
  } catch (error) {
    await writer.rollback();
    throw new FileFailed({ ...outcome, fileId: writer.fileId, bytes: committedOffset - from }, error);
  }
  c.onLines(outcome.lines);
  return { ...outcome, fileId: writer.fileId, bytes: result.size - from, size: result.size, sha256: result.sha256 };
}

export function emptyOutcome(path: string, family: Family, topCapacity: number): FileOutcome {
  return { path, status: 'new', bytes: 0, ...zero(), stats: new Stats(family, topCapacity) };
}

const zero = (): Counts => ({ lines: 0, entries: 0, rejected: 0, excluded: 0, blank: 0, invalidUtf8: 0 });

// A file whose first bytes and earlier content match a file already ingested by this process: the same log,
// grown (`more`), or a copy of it as it was at one of its commits.
async function findKnown(path: string, gzip: boolean, head: Buffer, size: number | undefined, c: IngestContext): Promise<{ record: FileRecord; hash: ReturnType<typeof createHash>; more: boolean; size: number } | undefined> {
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

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
