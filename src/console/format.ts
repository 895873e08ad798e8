import { wallClockToEpochMs } from '../lib/time-zone.js';

// How the console shows times, durations and counts to a person: local time of the server, units spelled out.

const TIME = new Intl.DateTimeFormat('sv-SE', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

/** The zone the console shows times in (the server's). */
export const TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

// "2026-11-23 04:00:01" in the server's zone; an unreadable time as it was stored.
export function localTime(iso: string | undefined): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : TIME.format(t);
}

// "850 ms", "12.3 s", "4 min 05 s", "2 h 07 min".
export function duration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(whole / 3600)} h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')} min`;
}

// 1234567 → "1,234,567".
export const count = (n: number | undefined): string => (n === undefined ? '-' : n.toLocaleString('en-US'));

const HOUR_MINUTE = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false });

// "06:00" in the server's zone, for a chart's time axis.
export const hourMinute = (epochSeconds: number): string => HOUR_MINUTE.format(epochSeconds * 1000);

// The epoch second of 00:00 on `date` (YYYY-MM-DD) in the server's zone, where a chart of the day marks its hours
// from; undefined for a date that is not one.
export function localMidnight(date: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  return m ? wallClockToEpochMs(Number(m[1]), Number(m[2]), Number(m[3]), 0, 0, 0, 0, TIME_ZONE) / 1000 : undefined;
}
