import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { CheckIssue } from '../../core/pipeline.js';
import { destinationProblems } from '../../archive/destinations.js';
import type { CommandConfig, CommandStep } from './schema.js';

// What can be known without running anything: the working directory exists, the program can be found.
// `memo` keeps what a PATH search found for the next process that runs the same program.
export function checkCommand(config: CommandConfig, cwd: string, memo = new Map<string, unknown>()): CheckIssue[] {
  const issues: CheckIssue[] = [];
  for (const name of ['run', 'verify'] as const) {
    const step = config[name];
    if (step) issues.push(...checkStep(step, name, cwd, memo));
  }
  if (config.archive) issues.push(...destinationProblems(config.archive.to, ['archive', 'to']));
  return issues;
}

function checkStep(step: CommandStep, name: string, cwd: string, memo: Map<string, unknown>): CheckIssue[] {
  const dir = resolve(cwd, step.cwd ?? '.');
  if (step.cwd && !isDirectory(dir)) return [{ path: [name, 'cwd'], message: `working directory "${step.cwd}" does not exist` }];
  const program = step.argv?.[0];
  if (program === undefined) return [];
  if (program.includes('/')) {
    return isExecutable(resolve(dir, program)) ? [] : [{ path: [name, 'argv', 0], message: `program "${program}" does not exist or is not executable` }];
  }
  const path = String(step.env?.PATH ?? process.env.PATH ?? '');
  const key = `command: on PATH\0${path}\0${program}`;
  if (!memo.has(key)) memo.set(key, path.split(delimiter).some((d) => d && isAbsolute(d) && isExecutable(join(d, program))));
  return memo.get(key) ? [] : [{ path: [name, 'argv', 0], message: `program "${program}" was not found on PATH` }];
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
