import { loadConfig } from '../config/index.js';
import { kinds } from '../pipelines/registry.js';
import type { RunArgs } from './args.js';
import type { Output } from './output.js';
import { renderValidation, validationJson } from './validate-report.js';

// `main --validate-only [--json]`: the staged report of the process files; exit 2 when they have problems. Runs nothing and
// loads nothing that runs (no orchestrator, no queue).
export async function validateCommand(args: RunArgs, io: Output): Promise<number> {
  // --date goes to the checks: a day a kind cannot run is a problem like the others.
  const config = await loadConfig(args.config, kinds(), { date: args.date });
  io.out(args.json ? validationJson(args.config, config) : renderValidation(args.config, config));
  return config.problems.length ? 2 : 0;
}
