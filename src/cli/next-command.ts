import { loadConfig } from '../config/index.js';
import { offsetSeconds } from '../lib/time-zone.js';
import { kinds } from '../pipelines/registry.js';
import { nextRuns } from '../scheduler/next-runs.js';
import type { NextArgs } from './args.js';
import type { Output } from './output.js';
import { refused } from './process-files.js';
import { renderTable } from './table.js';

interface Planned {
  process: string;
  type: string;
  cron?: string;
  timezone?: string;
  /** ISO times, with the zone's offset. */
  next: string[];
  after?: string[];
}

// `main schedule --list`, `main next`: when each enabled process runs next, in its zone, as `main schedule` would
// run it. Loads the process files (invalid: exit 2) and nothing else.
export async function nextCommand(args: NextArgs, io: Output): Promise<number> {
  const config = await loadConfig(args.config, kinds());
  if (refused(config, args.config, io, 'Nothing was listed')) return 2;
  const planned: Planned[] = config.processes
    .filter((p) => p.enabled)
    .map((p) => {
      if (!p.schedule) return { process: p.name, type: p.type, next: [], ...(p.after?.length ? { after: p.after } : {}) };
      const timezone = p.schedule.timezone ?? args.timezone;
      return { process: p.name, type: p.type, cron: p.schedule.cron, timezone, next: nextRuns(p, args.count, new Date(), timezone).map((t) => inZone(t, timezone)) };
    })
    // Soonest first; those without a schedule of their own last.
    .sort((a, b) => (a.next.length && b.next.length ? Date.parse(a.next[0]!) - Date.parse(b.next[0]!) : b.next.length - a.next.length));
  if (args.json) {
    io.out(`${JSON.stringify(planned, null, 2)}\n`);
    return 0;
  }
  if (!planned.length) {
    io.out(`No enabled process in ${args.config}.\n`);
    return 0;
  }
  const rows = planned.flatMap((p) => {
    const first = [p.process, p.type, p.cron ?? '-', p.timezone ?? '-'];
    if (!p.next.length) return [[...first, p.after ? `after ${p.after.join(', ')} succeed${p.after.length === 1 ? 's' : ''}` : 'no schedule: runs when `main` runs it']];
    return p.next.map((t, i) => [...(i ? ['', '', '', ''] : first), t.replace('T', ' ').replace(/([+-]\d\d:\d\d)$/, ' $1')]);
  });
  io.out(`${renderTable(['PROCESS', 'TYPE', 'SCHEDULE', 'ZONE', 'NEXT RUNS'], rows)}\n`);
  return 0;
}

// 2026-12-02T04:00:00+01:00: the wall clock of the zone, and its offset.
function inZone(t: Date, timezone: string): string {
  const offset = offsetSeconds(Math.floor(t.getTime() / 1000), timezone);
  const wall = new Date(t.getTime() + offset * 1000).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${wall}${sign}${String(Math.floor(abs / 3600)).padStart(2, '0')}:${String(Math.floor((abs % 3600) / 60)).padStart(2, '0')}`;
}
