import { ErrorCode, PipelineError } from '../../core/errors.js';

export const E_NOT_MRTG = ErrorCode.ScanNotMrtg;

// One row of MRTG's rateup log: the interval ending at `epoch`, in bytes per second (or a gauge).
export interface Sample {
  epoch: number;
  avgIn: number;
  avgOut: number;
  maxIn: number;
  maxOut: number;
}

// What a day needs of a rateup log.
export interface MrtgLog {
  /** Line 1's counters as written: they may pass 2^53 and are only looked at, never stored. */
  counters: [string, string];
  /** The rows read, newest first, down to the first one older than `since`; rows out of order are left out. */
  samples: Sample[];
  /** Rows skipped because their time breaks the newest-first order, as `source:line "text"`. */
  outOfOrder: string[];
  /** The oldest row with traffic, as far as the rows read tell: rows of 0 older than it are the zero fill rateup
   *  writes into a new log, not traffic. Undefined when every row of the log is 0. */
  firstTraffic?: number;
}

// The largest whole number a JavaScript number holds exactly: within int64, so SQLite and InfluxDB take it too.
const MAX_VALUE = Number.MAX_SAFE_INTEGER;
const COLUMNS = ['epoch', 'avg_in', 'avg_out', 'max_in', 'max_out'] as const;

// Parse a rateup log: line 1 `epoch in_counter out_counter`, then `epoch avg_in avg_out max_in max_out`, newest
// first. A page served with status 200 (a login page, an error page) is refused with a clear reason, and so is a row
// MRTG never writes (a negative, fractional or oversized value), naming `source`, its line and the value.
// Rows are newest first, so parsing stops at the first row older than `since`: a day needs ~300 of ~2,500 lines.
// Past it the log is read on only while its rows are 0, to learn whether any traffic came before them.
// The log is read as bytes, as it came: only the lines a message quotes are decoded (decoding every answer whole
// made a string of each, ~40 KB, for rows of ASCII digits). A line is decoded the same alone as in the whole text,
// since a UTF-8 sequence never holds a newline byte.
export function parseMrtg(input: Buffer | string, since = -Infinity, source = 'the MRTG log'): MrtgLog {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  const head = textStart(bytes).trimStart().slice(0, 200).toLowerCase();
  if (head.startsWith('<') || head.includes('<html')) throw new PipelineError(E_NOT_MRTG, 'the answer is an HTML page (a login or error page?), not an MRTG log');
  if (head === '') throw new PipelineError(E_NOT_MRTG, `${source} is empty`);
  let end = bytes.indexOf(NEWLINE);
  if (end === -1) end = bytes.length;
  const line1 = bytes.toString('utf8', 0, end);
  const first = line1.trim().split(/\s+/);
  if (first.length !== 3 || !/^\d+$/.test(first[0]!) || !first.slice(1).every((c) => /^-?\d+$/.test(c))) {
    throw new PipelineError(E_NOT_MRTG, `${source}:1: not an MRTG log: expected "epoch in_counter out_counter", got ${shown(line1.slice(0, 60))}`);
  }
  const log: MrtgLog = { counters: [first[1]!, first[2]!], samples: [], outOfOrder: [] };
  const rows = new RowReader(bytes, end + 1, source);
  // No row is newer than line 1's time, the time of the last update; then each row is older than the one before.
  let newer = Number(first[0]);
  let pastTheDay = false;
  // Two rows at a time, the one looked at and the one after it, read into the same two records over and over: a
  // log's rows cost no objects but the samples kept.
  let row = emptyRow();
  let next = emptyRow();
  for (let more = rows.read(next); more; ) {
    const swap = row;
    row = next;
    next = swap;
    more = rows.read(next);
    if (row.error) throw row.error;
    const after = !more || next.error ? undefined : next.epoch;
    // A row newer than the one kept before it, or older than the row after it while that one fits between them
    // (`300 1 1 1 1` amid today's rows), is out of order. It is skipped and counted; the rest is read.
    if (row.epoch > newer || (after !== undefined && row.epoch < after && after < newer)) {
      log.outOfOrder.push(`${source}:${row.line} ${shown(bytes.toString('utf8', row.start, row.end).trim())}`);
      continue;
    }
    newer = row.epoch;
    const traffic = row.avgIn > 0 || row.avgOut > 0 || row.maxIn > 0 || row.maxOut > 0;
    if (traffic) log.firstTraffic = row.epoch;
    if (pastTheDay) {
      if (traffic) break;
      continue;
    }
    log.samples.push({ epoch: row.epoch, avgIn: row.avgIn, avgOut: row.avgOut, maxIn: row.maxIn, maxOut: row.maxOut });
    if (row.epoch < since) {
      if (traffic) break;
      pastTheDay = true;
    }
  }
  return log;
}

// A row as read: its line number, where its line lies in the text (for a message), and its values or the error
// that names it.
interface Row extends Sample {
  line: number;
  start: number;
  end: number;
  error: PipelineError | undefined;
}

const emptyRow = (): Row => ({ line: 0, start: 0, end: 0, error: undefined, epoch: 0, avgIn: 0, avgOut: 0, maxIn: 0, maxOut: 0 });

// The rows from `start` on, one at a time; blank lines are skipped.
class RowReader {
  private lineNo = 2;

  constructor(
    private readonly bytes: Buffer,
    private start: number,
    private readonly source: string,
  ) {}

  // The next row into `row`: its sample, or the error that names its line. False at the end of the text, and at a
  // last line cut short (a truncated download of old, coarse rows: the rows before it stand).
  read(row: Row): boolean {
    const bytes = this.bytes;
    while (this.start < bytes.length) {
      const start = this.start;
      let end = bytes.indexOf(NEWLINE, start);
      const last = end === -1;
      if (last) end = bytes.length;
      const lineNo = this.lineNo++;
      this.start = end + 1;
      row.line = lineNo;
      row.start = start;
      row.end = end;
      row.error = undefined;
      // The rows MRTG writes, five plain numbers, are read straight from the text (trimming, splitting and
      // matching each line took most of a scan's CPU). Anything else takes the general path below, which decides.
      if (plainRow(bytes, start, end, row)) return true;
      const line = bytes.toString('utf8', start, end).trim();
      if (line === '') continue;
      const f = line.split(/\s+/);
      const values = f.length === 5 ? f.map(wholeNumber) : [];
      const bad = values.findIndex(Number.isNaN);
      if (f.length !== 5 || (bad !== -1 && !f.every((x) => /^[-+]?[\d.eE]+$/.test(x)))) {
        if (last) return false;
        row.error = new PipelineError(E_NOT_MRTG, `${this.source}:${lineNo}: not an MRTG log: expected "epoch avg_in avg_out max_in max_out", got ${shown(line)}`);
        return true;
      }
      if (bad !== -1) {
        const what = bad === 0 ? 'the time' : COLUMNS[bad];
        row.error = new PipelineError(E_NOT_MRTG, `${this.source}:${lineNo}: expected ${what} to be a whole number from 0 to ${MAX_VALUE}, got ${shown(f[bad]!)}`);
        return true;
      }
      [row.epoch, row.avgIn, row.avgOut, row.maxIn, row.maxOut] = values as [number, number, number, number, number];
      return true;
    }
    return false;
  }
}

const SPACE = 0x20;
const CR = 0x0d;
const NEWLINE = 0x0a;
const ZERO = 0x30;

// bytes[start, end) as five whole numbers of 1 to 16 digits, each at most MAX_VALUE, one space between them, and
// perhaps a CR at the end, into `row`; false for anything else (blank, other spacing, signs, too many digits …),
// which the general path then reads the same way: this only spares it the strings and regular expressions.
function plainRow(bytes: Buffer, start: number, end: number, row: Sample): boolean {
  if (end > start && bytes[end - 1] === CR) end--;
  let field = 0;
  let digits = 0;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (c === SPACE) {
      if (digits === 0 || field === 4 || value > MAX_VALUE) return false;
      if (field === 0) row.epoch = value;
      else if (field === 1) row.avgIn = value;
      else if (field === 2) row.avgOut = value;
      else row.maxIn = value;
      field++;
      digits = 0;
      value = 0;
      continue;
    }
    const d = c - ZERO;
    if (d < 0 || d > 9 || ++digits > 16) return false;
    // Exact while the value stays below 2^53; past it the comparison with MAX_VALUE still refuses it.
    value = value * 10 + d;
  }
  if (digits === 0 || field !== 4 || value > MAX_VALUE) return false;
  row.maxOut = value;
  return true;
}

// The start of the text, enough to see whether it is empty or an HTML page: 1 KB, or all of it when the 1 KB holds
// no more than the 200 characters looked at after the leading white space (a page of blanks, or of many-byte ones).
function textStart(bytes: Buffer): string {
  const start = bytes.toString('utf8', 0, 1024);
  // More than 200: the last character may be one that the cut at 1 KB split, never among the 200 looked at.
  return bytes.length <= 1024 || start.trimStart().length > 200 ? start : bytes.toString('utf8');
}

// A whole number from 0 to MAX_VALUE, or NaN.
function wholeNumber(text: string): number {
  return text.length <= 16 && /^\d+$/.test(text) && Number(text) <= MAX_VALUE ? Number(text) : NaN;
}

// A value quoted for a message; a 400-digit one is cut, with its length.
function shown(text: string): string {
  return text.length <= 60 ? `"${text}"` : `"${text.slice(0, 40)}…" (${text.length} characters)`;
}
