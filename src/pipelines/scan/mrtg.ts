import { PipelineError } from '../errors.js';
import type { Day } from './day.js';

export const E_NOT_MRTG = 'E_SCAN_NOT_MRTG';

// One row of MRTG's rateup log: the interval ending at `epoch`, in bytes per second (or a gauge).
export interface Sample {
  epoch: number;
  avgIn: number;
  avgOut: number;
  maxIn: number;
  maxOut: number;
}

// Parse a rateup log: line 1 `epoch in_counter out_counter`, then `epoch avg_in avg_out max_in max_out`,
// newest first. A page served with status 200 (a login page, an error page) is refused with a clear reason.
// Rows are newest first, so parsing stops at the first row older than `since`: a day needs ~300 of ~2,500 lines.
export function parseMrtg(text: string, since = -Infinity): Sample[] {
  const head = text.trimStart().slice(0, 200).toLowerCase();
  if (head.startsWith('<') || head.includes('<html')) throw new PipelineError(E_NOT_MRTG, 'the answer is an HTML page (a login or error page?), not an MRTG log');
  if (text.trim() === '') throw new PipelineError(E_NOT_MRTG, 'the MRTG log is empty');
  let end = text.indexOf('\n');
  if (end === -1) end = text.length;
  const first = text.slice(0, end).trim().split(/\s+/);
  if (first.length !== 3 || !first.every(isInteger)) {
    throw new PipelineError(E_NOT_MRTG, `not an MRTG log: line 1 should be "epoch in_counter out_counter", got "${text.slice(0, Math.min(end, 60))}"`);
  }
  const samples: Sample[] = [];
  for (let lineNo = 2, start = end + 1; start < text.length; lineNo++, start = end + 1) {
    end = text.indexOf('\n', start);
    const last = end === -1;
    if (last) end = text.length;
    const line = text.slice(start, end).trim();
    if (line === '') continue;
    const f = line.split(/\s+/);
    if (f.length !== 5 || !f.every(isInteger)) {
      // A last line cut short is a truncated download of old, coarse rows: the rows before it stand.
      if (last) break;
      throw new PipelineError(E_NOT_MRTG, `not an MRTG log: line ${lineNo} should be "epoch avg_in avg_out max_in max_out", got "${line.slice(0, 60)}"`);
    }
    const [epoch, avgIn, avgOut, maxIn, maxOut] = f.map(Number) as [number, number, number, number, number];
    samples.push({ epoch, avgIn, avgOut, maxIn, maxOut });
    if (epoch < since) break;
  }
  return samples;
}

// The day's five-minute rows, oldest first. A row covers the five minutes that end at its epoch, so the day
// [00:00, 24:00) is the rows with start < epoch <= end. The five-minute section is the log's leading run of
// rows; it ends where two steps in a row are 30 minutes or more (MRTG's coarser sections).
export function dayRows(samples: Sample[], day: Day): Sample[] {
  let fiveMinute = samples.length;
  for (let i = 1; i + 1 < samples.length; i++) {
    if (samples[i - 1]!.epoch - samples[i]!.epoch >= 1800 && samples[i]!.epoch - samples[i + 1]!.epoch >= 1800) {
      fiveMinute = i;
      break;
    }
  }
  const rows = samples.slice(0, fiveMinute).filter((s) => s.epoch > day.start && s.epoch <= day.end);
  const unique = new Map(rows.map((s) => [s.epoch, s]));
  return [...unique.values()].sort((a, b) => a.epoch - b.epoch);
}

// The five-minute slots of the day without a row, as "HH:MM-HH:MM" ranges of local time.
export function gaps(rows: Sample[], day: Day, timeZone: string): { missing: number; ranges: string[] } {
  const have = new Set(rows.map((r) => r.epoch));
  const ranges: string[] = [];
  let missing = 0;
  let runStart: number | undefined;
  const clock = (epoch: number) => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(epoch * 1000));
  for (let t = day.start + 300; t <= day.end + 300; t += 300) {
    const absent = t <= day.end && !have.has(t);
    if (absent) {
      missing++;
      runStart ??= t - 300;
    } else if (runStart !== undefined) {
      ranges.push(`${clock(runStart)}-${clock(t - 300)}`);
      runStart = undefined;
    }
  }
  return { missing, ranges };
}

function isInteger(text: string): boolean {
  return /^-?\d+$/.test(text);
}
