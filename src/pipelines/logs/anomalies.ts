import { offsetSeconds } from '../../lib/time-zone.js';

export interface Anomaly {
  hour: string;
  entries: number;
  errors: number;
  errorRate: number;
  dayRate: number;
  z: number;
  rule: string;
}

// Hours whose error rate stands out from their day's: the hour's rate is above the day's by at least `z`
// binomial standard errors, sqrt(p(1−p)/n), counting only hours with `minEntries` entries or more.
export function anomalousHours(hours: Map<number, [number, number]>, options: { minEntries: number; z: number; timeZone: string }): Anomaly[] {
  const days = new Map<string, Array<[number, number, number]>>();
  for (const [hour, [n, e]] of hours) {
    const local = hour * 3600 + offsetSeconds(hour * 3600, options.timeZone);
    const day = new Date(local * 1000).toISOString().slice(0, 10);
    let list = days.get(day);
    if (!list) days.set(day, (list = []));
    list.push([hour, n, e]);
  }
  const found: Anomaly[] = [];
  for (const [day, list] of days) {
    const total = list.reduce((s, [, n]) => s + n, 0);
    const errors = list.reduce((s, [, , e]) => s + e, 0);
    const p = errors / total;
    if (p === 0 || p === 1) continue;
    for (const [hour, n, e] of list) {
      if (n < options.minEntries) continue;
      const rate = e / n;
      const z = (rate - p) / Math.sqrt((p * (1 - p)) / n);
      if (z < options.z) continue;
      found.push({
        hour: new Date(hour * 3_600_000).toISOString(),
        entries: n,
        errors: e,
        errorRate: round(rate),
        dayRate: round(p),
        z: Math.round(z * 10) / 10,
        rule: `error rate ${pct(rate)} (${e} of ${n}) against ${pct(p)} for ${day} (${options.timeZone}): ${Math.round(z * 10) / 10} standard errors above, threshold ${options.z}, hours of ${options.minEntries}+ entries`,
      });
    }
  }
  return found.sort((a, b) => (a.hour < b.hour ? -1 : 1));
}

const round = (x: number) => Math.round(x * 10000) / 10000;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
