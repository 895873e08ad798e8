import type { Logger } from 'winston';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { type ProcessSpec } from '../core/process.js';
import { formatProblem } from '../config/problem.js';
import type { Redactor } from '../logging/redact.js';
import { kinds } from '../pipelines/registry.js';
import type { Output } from './output.js';

// A command that needs a valid set of process files: true (after printing every problem and `refusal`) when
// the set has problems, and the command must exit 2.
export function refused(config: LoadedConfig, dir: string, io: Output, refusal: string): boolean {
  if (!config.problems.length) return false;
  for (const p of config.problems) io.err(formatProblem(p));
  io.err(`${refusal}: ${config.problems.length} problem(s) in ${dir} (main --validate-only shows the full report).`);
  return true;
}

// SIGHUP in a long-running command (schedule, worker): the new processes, or undefined when the new set is
// invalid; its problems are logged and `kept` says what stays.
export async function reloadProcessFiles(dir: string, log: Logger, redactor: Redactor, kept: string): Promise<ProcessSpec[] | undefined> {
  let next: LoadedConfig;
  try {
    next = await loadConfig(dir, kinds());
  } catch (error) {
    // A fault of the loader itself must not end a long-running command: the processes loaded before stay. Only
    // the message is logged (never an error object, whose fields, such as a URL error's `input`, may hold a secret).
    log.error(`Reload refused: the process files in ${dir} could not be loaded (${redactor.text(String((error as Error)?.message ?? error))}); ${kept}.`);
    return undefined;
  }
  if (next.problems.length) {
    for (const p of next.problems) log.error(formatProblem(p));
    log.error(`Reload refused: ${next.problems.length} problem(s) in ${dir}; ${kept}.`);
    return undefined;
  }
  redactor.add(next.secrets);
  for (const w of next.warnings) log.warn(formatProblem(w));
  return next.processes;
}
