import type { PipelineDefinition } from '../../core/pipeline.js';
import { shellLine } from '../../lib/shell-quote.js';
import { commandSchema, type CommandConfig, type CommandStep } from './schema.js';

const lineOf = (step: CommandStep) => step.shell ?? shellLine(step.argv!);

// Chains an existing backup script (pg_dump, rsync, a vendor binary) into the same schedule and summary.
export const command: PipelineDefinition<CommandConfig> = {
  kind: 'command',
  description: 'Runs a program (no shell unless asked), logs its output, succeeds on exit 0; an optional verify command is its integrity check.',
  schema: commandSchema,
  // Imported when checked, as `run` is when run: a child, which only runs, loads neither the checks nor node:fs.
  async check(config, ctx) {
    const { checkCommand } = await import('./checks.js');
    return checkCommand(config, ctx.cwd, ctx.memo);
  },
  describe: (config) => [`run: ${lineOf(config.run)}`, ...(config.verify ? [`verify: ${lineOf(config.verify)}`] : [])],
  async run(config, ctx) {
    const { runCommand } = await import('./run.js');
    return runCommand(config, ctx);
  },
};
