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
export function parseMrtg(text: string, since = -Infinity, source = 'the MRTG log'): MrtgLog {
  const head = text.trimStart().slice(0, 200).toLowerCase();
  if (head.startsWith('<') || head.includes('<html')) throw new PipelineError(E_NOT_MRTG, 'the answer is an HTML page (a login or error page?), not an MRTG log');
  if (text.trim() === '') throw new PipelineError(E_NOT_MRTG, `${source} is empty`);
  let end = text.indexOf('\n');
  if (end === -1) end = text.length;
  const first = text.slice(0, end).trim().split(/\s+/);
  if (first.length !== 3 || !/^\d+$/.test(first[0]!) || !first.slice(1).every((c) => /^-?\d+$/.test(c))) {
    throw new PipelineError(E_NOT_MRTG, `${source}:1: not an MRTG log: expected "epoch in_counter out_counter", got ${shown(text.slice(0, Math.min(end, 60)))}`);
  }
  const log: MrtgLog = { counters: [first[1]!, first[2]!], samples: [], outOfOrder: [] };
  const rows = rowsOf(text, end + 1, source);
  // No row is newer than line 1's time, the time of the last update; then each row is older than the one before.
  let newer = Number(first[0]);
  let pastTheDay = false;
  for (let next = rows.next(); !next.done; ) {
    const row = next.value;
    next = rows.next();
    if ('error' in row) throw row.error;
    const { sample: s } = row;
    const after = next.done || 'error' in next.value ? undefined : next.value.sample.epoch;
    // A row newer than the one kept before it, or older than the row after it while that one fits between them
    // (`300 1 1 1 1` amid today's rows), is out of order. It is skipped and counted; the rest is read.
    if (s.epoch > newer || (after !== undefined && s.epoch < after && after < newer)) {
      log.outOfOrder.push(`${source}:${row.line} ${shown(row.text)}`);
      continue;
    }
    newer = s.epoch;
    const traffic = s.avgIn > 0 || s.avgOut > 0 || s.maxIn > 0 || s.maxOut > 0;
    if (traffic) log.firstTraffic = s.epoch;
    if (pastTheDay) {
      if (traffic) break;
      continue;
    }
    log.samples.push(s);
    if (s.epoch < since) {
      if (traffic) break;
      pastTheDay = true;
    }
  }
  return log;
}

type Row = { line: number; text: string; sample: Sample } | { line: number; error: PipelineError };

// The rows from `start` on, each a sample or the error that names its line; blank lines are skipped.
function* rowsOf(text: string, start: number, source: string): Generator<Row> {
  for (let lineNo = 2, end = start - 1; start < text.length; lineNo++, start = end + 1) {
    end = text.indexOf('\n', start);
    const last = end === -1;
    if (last) end = text.length;
    const line = text.slice(start, end).trim();
    if (line === '') continue;
    const f = line.split(/\s+/);
    const values = f.length === 5 ? f.map(wholeNumber) : [];
    const bad = values.findIndex(Number.isNaN);
    if (f.length !== 5 || (bad !== -1 && !f.every((x) => /^[-+]?[\d.eE]+$/.test(x)))) {
      // A last line cut short is a truncated download of old, coarse rows: the rows before it stand.
      if (last) return;
      yield { line: lineNo, error: new PipelineError(E_NOT_MRTG, `${source}:${lineNo}: not an MRTG log: expected "epoch avg_in avg_out max_in max_out", got ${shown(line)}`) };
      continue;
    }
    if (bad !== -1) {
      const what = bad === 0 ? 'the time' : COLUMNS[bad];
      yield { line: lineNo, error: new PipelineError(E_NOT_MRTG, `${source}:${lineNo}: expected ${what} to be a whole number from 0 to ${MAX_VALUE}, got ${shown(f[bad]!)}`) };
      continue;
    }
    const [epoch, avgIn, avgOut, maxIn, maxOut] = values as [number, number, number, number, number];
    yield { line: lineNo, text: line, sample: { epoch, avgIn, avgOut, maxIn, maxOut } };
  }
}

// A whole number from 0 to MAX_VALUE, or NaN.
function wholeNumber(text: string): number {
  return text.length <= 16 && /^\d+$/.test(text) && Number(text) <= MAX_VALUE ? Number(text) : NaN;
}

// A value quoted for a message; a 400-digit one is cut, with its length.
function shown(text: string): string {
  return text.length <= 60 ? `"${text}"` : `"${text.slice(0, 40)}…" (${text.length} characters)`;
}
