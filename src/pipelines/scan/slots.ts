import type { Day } from './day.js';
import type { Sample } from './mrtg.js';

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
  // Indexed by slot: no Map, no sort (this runs for every interface).
  const bySlot: Array<Sample | undefined> = new Array(day.expectedSamples + 1).fill(undefined);
  for (let i = 0; i < section; i++) {
    const s = samples[i]!;
    const slot = slotOf(s.epoch, day);
    if (slot >= 1 && slot <= day.expectedSamples && bySlot[slot] === undefined) bySlot[slot] = s;
  }
  const rows: Sample[] = [];
  for (const s of bySlot) if (s) rows.push(s);
  return rows;
}

// Rows of 0 older than the log's first traffic are the zero fill rateup writes into a new log (its whole history,
// back from the moment it was created): not traffic, so not samples. Every row older than the first traffic is 0.
// With no traffic at all, no row is fill: the caller warns about a log that counts nothing.
export function withoutFill(rows: Sample[], firstTraffic: number | undefined): { rows: Sample[]; fill: number } {
  if (firstTraffic === undefined || rows.every((r) => r.epoch >= firstTraffic)) return { rows, fill: 0 };
  const kept = rows.filter((r) => r.epoch >= firstTraffic);
  return { rows: kept, fill: rows.length - kept.length };
}

// The five-minute slots of the day without a row, as "HH:MM-HH:MM" ranges of local time.
export function gaps(rows: Sample[], day: Day, timeZone: string): { missing: number; ranges: string[] } {
  const have = new Uint8Array(day.expectedSamples + 2);
  for (const r of rows) {
    const slot = slotOf(r.epoch, day);
    if (slot >= 1 && slot <= day.expectedSamples) have[slot] = 1;
  }
  const ranges: string[] = [];
  let missing = 0;
  let runStart: number | undefined;
  for (let slot = 1; slot <= day.expectedSamples + 1; slot++) {
    const absent = slot <= day.expectedSamples && !have[slot];
    if (absent) {
      missing++;
      runStart ??= slot;
    } else if (runStart !== undefined) {
      const end = slot - 1 === day.expectedSamples ? '24:00' : clock(day.start + 300 * (slot - 1), timeZone);
      ranges.push(`${clock(day.start + 300 * (runStart - 1), timeZone)}-${end}`);
      runStart = undefined;
    }
  }
  return { missing, ranges };
}

// An epoch as "HH:MM" of local time.
export function clock(epoch: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(epoch * 1000));
}
