import { existsSync, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

export interface Inputs {
  files: string[];
  /** Plain paths (no wildcard) that do not exist or are not files: the user named them, so they are errors. */
  missing: Array<{ input: string; why: string }>;
  /** Globs that matched nothing: normal for an empty inbox, worth a warning. */
  empty: string[];
}

// The files the `inputs` name, each once, in sorted order.
export async function expandInputs(inputs: readonly string[], cwd = process.cwd()): Promise<Inputs> {
  const found = new Map<string, string>();
  const missing: Inputs['missing'] = [];
  const empty: string[] = [];
  for (const input of inputs) {
    if (!isDynamicPattern(input)) {
      const path = resolve(cwd, input);
      if (!existsSync(path)) missing.push({ input, why: 'no such file' });
      else if (!statSync(path).isFile()) missing.push({ input, why: 'not a file' });
      else found.set(realpathSync(path), path);
      continue;
    }
    const matches = await glob([input], { cwd, absolute: true, onlyFiles: true, followSymbolicLinks: true });
    if (matches.length === 0) empty.push(input);
    for (const path of matches) found.set(realpathSync(path), path);
  }
  return { files: [...found.values()].sort(), missing, empty };
}
