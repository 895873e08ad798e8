import type { PlannedRun, ProcessSpec } from '../core/process.js';
import { offsetSeconds } from '../lib/time-zone.js';
import { nextRuns } from '../scheduler/next-runs.js';

// When each enabled process runs next, in its zone, as `main schedule` would run it: soonest first, those without
// a schedule of their own last. `main next` prints it; `main serve` shows the first of each.
export function plannedRuns(processes: readonly ProcessSpec[], count: number, timezone: string, now = new Date()): PlannedRun[] {
  return processes
    .filter((p) => p.enabled)
    .map((p): PlannedRun => {
      if (!p.schedule) return { process: p.name, type: p.type, next: [], ...(p.after?.length ? { after: p.after } : {}) };
      const zone = p.schedule.timezone ?? timezone;
      return { process: p.name, type: p.type, cron: p.schedule.cron, timezone: zone, next: nextRuns(p, count, now, zone).map((t) => inZone(t, zone)) };
    })
    .sort((a, b) => (a.next.length && b.next.length ? Date.parse(a.next[0]!) - Date.parse(b.next[0]!) : b.next.length - a.next.length));
}

// 2026-12-02T04:00:00+01:00: the wall clock of the zone, and its offset.
function inZone(t: Date, timezone: string): string {
  const offset = offsetSeconds(Math.floor(t.getTime() / 1000), timezone);
  const wall = new Date(t.getTime() + offset * 1000).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${wall}${sign}${String(Math.floor(abs / 3600)).padStart(2, '0')}:${String(Math.floor((abs % 3600) / 60)).padStart(2, '0')}`;
}
