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

// The five-minute slot a row stands for: 1 for the row ending at 00:05, N for the one ending at midnight.
// Rounded, so a row written a few seconds late still lands in its slot (and one 7 s after midnight does not).
const slotOf = (epoch: number, day: Day) => Math.round((epoch - day.start) / 300);

// The day's five-minute rows, oldest first, one per slot (the newest line of the log wins). A row covers the
// five minutes that end at its epoch. The five-minute section ends where the log's trailing run of steps of
// 30 minutes or more begins (MRTG's coarser averages), so an outage inside the day does not end it. The
// first coarse row comes only a short step after the last five-minute one: when the run is a real coarse
// section (two steps or more) that row goes too; a single long step at the end is an outage.
export function dayRows(samples: Sample[], day: Day): Sample[] {
  let section = samples.length;
  while (section > 1 && samples[section - 2]!.epoch - samples[section - 1]!.epoch >= 1800) section--;
  if (samples.length - section >= 2) section--;
  const bySlot = new Map<number, Sample>();
  for (const s of samples.slice(0, section)) {
    const slot = slotOf(s.epoch, day);
    if (slot >= 1 && slot <= day.expectedSamples && !bySlot.has(slot)) bySlot.set(slot, s);
  }
  return [...bySlot.entries()].sort(([a], [b]) => a - b).map(([, s]) => s);
}

// The five-minute slots of the day without a row, as "HH:MM-HH:MM" ranges of local time.
export function gaps(rows: Sample[], day: Day, timeZone: string): { missing: number; ranges: string[] } {
  const have = new Set(rows.map((r) => slotOf(r.epoch, day)));
  const clock = (epoch: number) => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(epoch * 1000));
  const ranges: string[] = [];
  let missing = 0;
  let runStart: number | undefined;
  for (let slot = 1; slot <= day.expectedSamples + 1; slot++) {
    const absent = slot <= day.expectedSamples && !have.has(slot);
    if (absent) {
      missing++;
      runStart ??= slot;
    } else if (runStart !== undefined) {
      const end = slot - 1 === day.expectedSamples ? '24:00' : clock(day.start + 300 * (slot - 1));
      ranges.push(`${clock(day.start + 300 * (runStart - 1))}-${end}`);
      runStart = undefined;
    }
  }
  return { missing, ranges };
}

function isInteger(text: string): boolean {
  return /^-?\d+$/.test(text);
}
