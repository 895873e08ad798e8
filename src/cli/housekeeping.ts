import { housekeepingOf } from '../config/defaults.js';
import { projectFolder } from '../config/project.js';
import { describeError } from '../core/errors.js';
import type { ProcessSpec } from '../core/process.js';
import type { CommandContext } from './command-context.js';

// `housekeeping:` of config/.defaults.yaml (docs/cli.md#main-prune): what is older than its keep_days goes.
// Logged; a failure is a warning and never changes a run's status. After each run of `main`; in the commands that
// stay up, through `daily`. `inbox`: `logs serve`'s, whose processed/ folder is a place too.
export async function housekeep(ctx: CommandContext, args: { config: string; state: string; logDir: string }, processes: readonly ProcessSpec[] = ctx.config.processes, inbox?: string): Promise<void> {
  const housekeeping = housekeepingOf(ctx.config.defaults);
  if (!housekeeping) return;
  try {
    const { sweepHousekeeping } = await import('../retention/housekeeping.js');
    const swept = await sweepHousekeeping({ housekeeping, statePath: args.state, logDir: args.logDir, processes, base: projectFolder(args.config), ...(inbox === undefined ? {} : { inbox }) }, false);
    for (const s of swept) ctx.log.info(`Housekeeping ${s.place}: ${s.count} ${s.unit} deleted in ${s.where}: ${s.reason}.`);
  } catch (error) {
    ctx.log.warn(`Housekeeping could not finish: ${describeError(error)}. \`main prune\` tries again.`);
  }
}

// For `main schedule` and `logs serve`, which stay up for months and would otherwise keep everything: `sweep`
// after the first run that ends, then at most once a day; never two at once; `idle()` waits for the last one.
export function daily(sweep: () => Promise<void>, everyMs = 24 * 3600_000): { afterRun(): void; idle(): Promise<void> } {
  let sweeping = Promise.resolve();
  let last = -Infinity;
  return {
    afterRun() {
      if (Date.now() - last < everyMs) return;
      last = Date.now();
      sweeping = sweeping.then(sweep);
    },
    idle: () => sweeping,
  };
}
