import { localDate, offsetSeconds } from '../../lib/time-zone.js';

export { today, yesterday } from '../../lib/time-zone.js';

// The day a run collects, as epoch seconds [start, end) in a time zone.
// DST rule: a day runs from local midnight to the next local midnight, so it holds 288 five-minute
// samples, 276 on the day clocks go forward (23 h) and 300 on the day they go back (25 h).
export interface Day {
  date: string;
  start: number;
  end: number;
  expectedSamples: number;
}

export function dayBounds(date: string, timeZone: string): Day {
  const start = localMidnight(date, timeZone);
  const next = new Date(Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)) + 1)).toISOString().slice(0, 10);
  const end = localMidnight(next, timeZone);
  return { date, start, end, expectedSamples: Math.round((end - start) / 300) };
}


// The epoch second of 00:00 local time on `date` (the first instant of that day, even across a DST change).
function localMidnight(date: string, timeZone: string): number {
  const utcMidnight = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / 1000;
  let guess = utcMidnight - offsetSeconds(utcMidnight, timeZone);
  guess = utcMidnight - offsetSeconds(guess, timeZone);
  // Where clocks jump from 23:59 to 01:00 (Santiago, Havana, the Azores) midnight does not exist: the day
  // starts at the jump, not at 23:00 the evening before.
  if (localDate(guess, timeZone) < date) guess += offsetSeconds(guess + 7200, timeZone) - offsetSeconds(guess, timeZone);
  return guess;
}
