import { loadConfig } from '../config/index.js';
import type { ProcessSpec } from '../core/process.js';
import { Redactor } from '../logging/redact.js';
import { kinds, registry } from '../pipelines/registry.js';
import type { RunArgs } from './args.js';
import type { Output } from './output.js';
import { renderValidation } from './validate-report.js';

// `main --validate-only`: the staged report of the process files; exit 2 when they have problems. Runs nothing and
// loads nothing that runs (no orchestrator, no queue).
export async function validateCommand(args: RunArgs, io: Output): Promise<number> {
  // --date goes to the checks: a day a kind cannot run is a problem like the others.
  const config = await loadConfig(args.config, kinds(), { date: args.date });
  // -v shows what each process runs, its secrets masked as in the logs.
  const redactor = new Redactor();
  redactor.add(config.secrets);
  const describe = (spec: ProcessSpec) => (registry.get(spec.type)?.describe?.(spec.config) ?? []).map((line) => redactor.text(line));
  io.out(renderValidation(args.config, config, args.verbose ? describe : undefined));
  return config.problems.length ? 2 : 0;
}
