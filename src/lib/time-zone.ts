// Time zones through Intl only: no tz database of our own to keep up to date.

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const formats = new Map<string, Intl.DateTimeFormat>();

// Seconds the zone is ahead of UTC at an instant.
export function offsetSeconds(epochSeconds: number, timeZone: string): number {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(epochSeconds * 1000)).map((p) => [p.type, Number(p.value)]));
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) / 1000;
  return wall - Math.floor(epochSeconds);
}

const offsets = new Map<string, number>();

// The instant a wall-clock time in a zone names. In the hour clocks go back, which happens twice, the first
// (earlier) instant, as Python's fold=0; in the hour they skip, the offset from before the jump.
// Zone offsets change on quarter hours at the finest, so the offset is kept per zone and quarter hour of
// wall time: Intl is slow, and a log holds many lines of the same quarter.
export function wallClockToEpochMs(y: number, month: number, d: number, h: number, mi: number, s: number, ms: number, timeZone: string): number {
  const wall = Date.UTC(y, month - 1, d, h, mi, s) / 1000;
  const quarter = Math.floor(wall / 900) * 900;
  const key = `${timeZone}|${quarter}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    // The offsets in force half a day either side: the same, except around a change.
    const before = offsetSeconds(quarter - 43_200, timeZone);
    const after = offsetSeconds(quarter + 43_200, timeZone);
    const fits = (o: number) => offsetSeconds(quarter - o, timeZone) === o;
    // Of the offsets that map back to this wall time, the larger gives the earlier instant.
    const candidates = [before, after].filter(fits);
    offset = candidates.length ? Math.max(...candidates) : before;
    if (offsets.size > 10_000) offsets.clear();
    offsets.set(key, offset);
  }
  return (wall - offset) * 1000 + ms;
}

// Today in the time zone, as YYYY-MM-DD: a later day has not begun there, and has nothing to collect.
export function today(timeZone: string, now = new Date()): string {
  return localDate(now.getTime() / 1000, timeZone);
}

// Yesterday in the time zone, as YYYY-MM-DD: the day a daily job processes by default.
export function yesterday(timeZone: string, now = new Date()): string {
  const t = today(timeZone, now);
  return new Date(Date.UTC(Number(t.slice(0, 4)), Number(t.slice(5, 7)) - 1, Number(t.slice(8, 10)) - 1)).toISOString().slice(0, 10);
}

export function localDate(epochSeconds: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(epochSeconds * 1000));
}

// The day `n` days after a YYYY-MM-DD day (before, for a negative n).
export function addDays(day: string, n: number): string {
  return new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)) + n)).toISOString().slice(0, 10);
}
