import { housekeepingOf } from '../config/defaults.js';
import { projectFolder } from '../config/project.js';
import { describeError } from '../core/errors.js';
import type { ProcessSpec } from '../core/process.js';
import type { CommandContext } from './command-context.js';

// `housekeeping:` of config/.defaults.yaml (docs/cli.md#main-prune): what is older than its keep_days goes.
// Logged; a failure is a warning and never changes a run's status. After each run of `main`, and at most once a
// day in `main schedule`.
export async function housekeep(ctx: CommandContext, args: { config: string; state: string; logDir: string }, processes: readonly ProcessSpec[] = ctx.config.processes): Promise<void> {
  const housekeeping = housekeepingOf(ctx.config.defaults);
  if (!housekeeping) return;
  try {
    const { sweepHousekeeping } = await import('../retention/housekeeping.js');
    const swept = await sweepHousekeeping({ housekeeping, statePath: args.state, logDir: args.logDir, processes, base: projectFolder(args.config) }, false);
    for (const s of swept) ctx.log.info(`Housekeeping ${s.place}: ${s.count} ${s.unit} deleted in ${s.where}: ${s.reason}.`);
  } catch (error) {
    ctx.log.warn(`Housekeeping could not finish: ${describeError(error)}. \`main prune\` tries again.`);
  }
}
