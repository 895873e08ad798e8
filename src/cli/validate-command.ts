import { loadConfig } from '../config/index.js';
import type { ProcessSpec } from '../core/process.js';
import { resolvedPaths } from '../config/paths.js';
import { Redactor } from '../logging/redact.js';
import { kinds, registry } from '../pipelines/registry.js';
import { UsageError, type RunArgs } from './args.js';
import type { Output } from './output.js';
import { renderValidation, validationJson } from './validate-report.js';

// `main --validate-only [--json]`: the staged report of the process files; exit 2 when they have problems. Runs nothing and
// loads nothing that runs (no orchestrator, no queue).
export async function validateCommand(args: RunArgs, io: Output): Promise<number> {
  // --date goes to the checks: a day a kind cannot run is a problem like the others. --only: those processes (and
  // those they run after) alone, as a run with --only checks them.
  const config = await loadConfig(args.config, kinds(), { date: args.date, only: args.only });
  // As a run says it, once the files are valid (a file that does not parse may hold the name).
  const unknown = (args.only ?? []).filter((name) => !config.names.includes(name));
  if (unknown.length && !config.problems.length) throw new UsageError(`unknown process ${unknown.map((n) => `"${n}"`).join(', ')} in --only; known: ${config.names.join(', ')}`);
  const paths = new Map(config.processes.map((spec) => [spec.name, resolvedPaths(spec, registry.get(spec.type)!, config.base)]));
  // -v shows what each process runs, its secrets masked as in the logs.
  const redactor = new Redactor();
  redactor.add(config.secrets);
  const describe = (spec: ProcessSpec) => (registry.get(spec.type)?.describe?.(spec.config) ?? []).map((line) => redactor.text(line));
  io.out(args.json ? validationJson(args.config, config, paths) : renderValidation(args.config, config, args.verbose ? { paths, describe } : undefined));
  return config.problems.length ? 2 : 0;
}
