// Numbers and times as a person reads them in a report: bytes in kB/MB/GB, hours as the wall clock of a zone.

const BYTE_STEPS: Array<[number, string]> = [[1e12, 'TB'], [1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']];

// 5689542840 → "5.69 GB", 612 → "612 B" (decimal units, as disks and transfer counters are sold and graphed).
export function humanBytes(bytes: number): string {
  for (const [size, name] of BYTE_STEPS) if (bytes >= size) return `${(bytes / size).toPrecision(3)} ${name}`;
  return `${Math.round(bytes)} B`;
}

// 1234567 → "1,234,567".
export const humanCount = (n: number): string => n.toLocaleString('en-US');

// 0.01234 → "1.23%".
export const humanPercent = (x: number): string => `${(x * 100).toFixed(2)}%`;

const wallClocks = new Map<string, Intl.DateTimeFormat>();

// "2026-11-20 01:00" for an instant (ISO or epoch ms) in `timeZone`; an unreadable ISO time as it is.
export function wallClock(at: string | number, timeZone: string): string {
  const t = typeof at === 'number' ? at : Date.parse(at);
  if (Number.isNaN(t)) return String(at);
  let format = wallClocks.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    wallClocks.set(timeZone, format);
  }
  return format.format(t);
}
