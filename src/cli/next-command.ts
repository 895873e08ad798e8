import { loadConfig } from '../config/index.js';
import { kinds } from '../pipelines/registry.js';
import type { NextArgs } from './args.js';
import type { Output } from './output.js';
import { plannedRuns } from './planned-runs.js';
import { refused } from './process-files.js';
import { renderTable } from './table.js';

// `main schedule --list`, `main next`: when each enabled process runs next, in its zone, as `main schedule` would
// run it. Loads the process files (invalid: exit 2) and nothing else.
export async function nextCommand(args: NextArgs, io: Output): Promise<number> {
  const config = await loadConfig(args.config, kinds());
  if (refused(config, args.config, io, 'Nothing was listed')) return 2;
  const planned = plannedRuns(config.processes, args.count, args.timezone);
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
