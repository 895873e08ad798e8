import { offsetSeconds, wallClockToEpochMs } from '../../lib/time-zone.js';

const MONTHS: Record<string, number> = { Jan: 1, Feb: 2, Mar: 3, Apr: 4, May: 5, Jun: 6, Jul: 7, Aug: 8, Sep: 9, Oct: 10, Nov: 11, Dec: 12 };

let lastClf = '';
let lastClfValue: number | undefined;

// "10/Oct/2000:13:55:36 -0700" (nginx $time_local, Apache %t) to epoch ms; undefined when it is not one.
// Consecutive lines share their second, so the last answer is kept.
export function parseClfTime(text: string): number | undefined {
  if (text === lastClf) return lastClfValue;
  const m = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
  let value: number | undefined;
  if (m) {
    const month = MONTHS[m[2]!];
    const [d, h, mi, s] = [Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])];
    if (month && validDay(Number(m[3]), month, d) && h < 24 && mi < 60 && s < 61) {
      const offset = (Number(m[8]) * 60 + Number(m[9])) * (m[7] === '-' ? -1 : 1);
      value = Date.UTC(Number(m[3]), month - 1, d, h, mi, s) - offset * 60_000;
    }
  }
  lastClf = text;
  lastClfValue = value;
  return value;
}

// RFC 3339 / ISO 8601 with a date and a time ("2026-11-23T04:00:01.123456+00:00"); without an offset, local to `timeZone`.
export function parseIsoTime(text: string, timeZone: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || !validDay(y, mo, d) || h > 23 || mi > 59 || s > 60) return undefined;
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  if (!m[8]) return wallClockToEpochMs(y, mo, d, h, mi, s, ms, timeZone);
  const zone = m[8].toUpperCase() === 'Z' ? 0 : (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(-2))) * (m[8][0] === '-' ? -1 : 1);
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - zone * 60_000;
}

// "Nov 23 04:00:01" (RFC 3164: no year, no zone). The year is the latest, of the zone's year around `now`
// and its neighbours, that puts the time at most a day ahead of `now`: December lines read in January land in
// the year before, and "Jan  1" read at midnight in Auckland in the year that has just begun.
export function parseBsdTime(month: string, day: number, h: number, mi: number, s: number, timeZone: string, now: number): number | undefined {
  const mo = MONTHS[month];
  if (!mo || day < 1 || day > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const local = new Date(now + offsetSeconds(now / 1000, timeZone) * 1000).getUTCFullYear();
  for (const year of [local + 1, local, local - 1]) {
    if (!validDay(year, mo, day)) continue;
    const t = wallClockToEpochMs(year, mo, day, h, mi, s, 0, timeZone);
    if (t <= now + 86_400_000) return t;
  }
  return undefined;
}

// 31 days in January, 29 in February only in a leap year …
function validDay(year: number, month: number, day: number): boolean {
  return day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

// A number as epoch seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude.
export function parseEpoch(value: number): number | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  if (value < 1e11) return Math.round(value * 1000);
  if (value < 1e14) return Math.round(value);
  if (value < 1e17) return Math.round(value / 1000);
  return Math.round(value / 1e6);
}

// Any of the above, for a time a user's own pattern captured.
export function parseAnyTime(text: string, timeZone: string, now: number): number | undefined {
  const clf = parseClfTime(text);
  if (clf !== undefined) return clf;
  const iso = parseIsoTime(text, timeZone);
  if (iso !== undefined) return iso;
  const bsd = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (bsd) return parseBsdTime(bsd[1]!, Number(bsd[2]), Number(bsd[3]), Number(bsd[4]), Number(bsd[5]), timeZone, now);
  return /^\d+(\.\d+)?$/.test(text) ? parseEpoch(Number(text)) : undefined;
}
