import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { Cleaner } from './clean.js';
import { isGzip, openContent, readHead } from './content.js';
import type { Family, LineFormat } from './formats/index.js';
import { findKnown, sha256Of } from './known.js';
import { escapeInvalidUtf8, splitLines, type LineSink } from './lines.js';
import { Joiner, type RecordSink, type Start } from './records.js';
import type { PatternBatch, PatternMiner } from './patterns.js';
import type { Rejects } from './rejects.js';
import { Stats } from './stats.js';
import type { FileState, SourceStat, TailKind } from './store-shapes.js';
import type { LogStore } from './store.js';

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
  /** Continuation lines joined to the message before them (syslog): read, and part of that entry or reject. */
  joined: number;
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
  // The file's totals over every batch handed to the writer; the last message of the previous run (a line
  // without its newline, or a syslog message continuation lines may still join) is read again, so it is taken back.
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
  // The content up to `size` is in; the next run reads again from `resume`, which is counted as `tailKind`.
  const state = (size: number, sha256: string, nextLine: number, resume: Start | undefined, tailKind: TailKind | null): FileState => ({
    path,
    size,
    sha256,
    lines: nextLine - 1,
    head_len: Math.min(HEAD_BYTES, size, head.length),
    head_sha256: headOf(Math.min(HEAD_BYTES, size, head.length)),
    resume_offset: resume ? resume.offset : size,
    resume_line: resume ? resume.line : nextLine,
    tail_kind: resume ? tailKind : null,
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
      for (const k of ['lines', 'entries', 'rejected', 'excluded', 'blank', 'joined', 'invalidUtf8'] as const) outcome[k] += stage[k];
      outcome.stats.merge(stage.stats);
      stage.excludedByRule.forEach((n, i) => (c.excludedByRule[i]! += n));
      for (const [line, reason, text] of stage.rejects) c.rejects.add(path, line, reason, text);
      stage.templates?.commit();
      committedOffset = st.size;
    });
  };
  // A message of `lines` lines counted: its first line as `kind`, the others as joined to it.
  const took = (kind: TailKind, lines: number) => {
    lastKind = kind;
    batch.lines += lines;
    batch.joined += lines - 1;
  };
  const reject = (line: number, reason: string, text: Buffer, lines: number) => {
    writer.reject(line, reason, text);
    batch.rejects.push([line, reason, text]);
    batch.rejected++;
    took('reject', lines);
  };
  const why = (reason: string, tail: boolean, lines: number) =>
    `${reason}${lines > 1 ? ` (with the ${lines - 1} continuation line${lines > 2 ? 's' : ''} after it)` : ''}${tail ? ' (the last line, without a newline: cut short?)' : ''}`;

  writer.begin(path, gzip, firstLine);
  let result: Awaited<ReturnType<typeof splitLines>>;
  try {
    // A message (a line, or a syslog line with its continuation lines): parsed, cleaned, then stored or rejected.
    const records: RecordSink = {
      record(text, line, raw, tail, lines, invalid) {
        batch.invalidUtf8 += invalid;
        // Inside a JSON string a bare \x is not an escape: write it as \\x so the line still parses.
        if (raw && family === 'json') text = escapeInvalidUtf8(raw, '\\\\x');
        const parsed = c.format.parse(text);
        if (typeof parsed === 'string') return reject(line, why(parsed, tail, lines), raw ?? Buffer.from(text), lines);
        const rule = c.cleaner.match(parsed);
        if (rule >= 0) {
          batch.excludedByRule[rule]!++;
          batch.excluded++;
          return took('excluded', lines);
        }
        writer.add(line, parsed, text);
        batch.entries++;
        batch.stats.add(parsed);
        batch.templates?.add(parsed);
        took('entry', lines);
      },
      overlong(line, head, bytes, tail, lines, invalid) {
        batch.invalidUtf8 += invalid;
        const what = lines > 1 ? `message of ${lines} lines and ${bytes} bytes` : `line of ${bytes} bytes`;
        reject(line, `${what}, longer than max_line_bytes (${c.maxLineBytes}); its first ${head.length} bytes are kept`, head, lines);
      },
      orphan(text, line, raw, tail) {
        if (raw) batch.invalidUtf8++;
        reject(line, why('a continuation line (it starts with a space or a tab) with no message before it to join', tail, 1), raw ?? Buffer.from(text), 1);
      },
    };
    // Syslog messages are held until the next line shows whether continuation lines join them.
    const joiner = c.format.multiline ? new Joiner(records, c.maxLineBytes) : undefined;
    const sink: LineSink = {
      line(text, line, raw, tail, offset) {
        if (text.trim() === '') {
          // A blank line ends a message; the last line, without its newline, may be a continuation line being written.
          if (!tail) joiner?.finish();
          if (raw) batch.invalidUtf8++;
          batch.blank++;
          return took('blank', 1);
        }
        if (joiner) joiner.line(text, line, raw, tail, offset);
        else records.record(text, line, raw, tail, 1, raw ? 1 : 0);
      },
      overlong(line, head, bytes, tail, offset) {
        if (joiner) joiner.overlong(line, head, bytes, tail, offset);
        else records.overlong(line, head, bytes, tail, 1, 0);
      },
      // A message still held is not in this commit: the position stays before it, so a kill loses none of its lines.
      async checkpoint(offset, nextLine, digest) {
        c.onLines(outcome.lines + batch.lines);
        if (nextLine - sentLine >= BATCH) await commit(state(offset, digest(), nextLine, joiner?.pending, null));
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
    // The last message is stored, and read again by the next run if the file grows: a line without its newline may be
    // finished, and continuation lines may join a syslog message.
    const resume = joiner?.finish() ?? result.tail;
    await commit(state(result.size, result.sha256, result.nextLine, resume, resume ? lastKind : null), source);
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

const zero = (): Counts => ({ lines: 0, entries: 0, rejected: 0, excluded: 0, blank: 0, joined: 0, invalidUtf8: 0 });
