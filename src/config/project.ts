import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

// The config folder: `--config`, or the folder holding the one process file it names. `.defaults.yaml` is there.
export function configFolder(config: string, cwd = process.cwd()): string {
  const path = resolve(cwd, config);
  try {
    return statSync(path).isFile() ? dirname(path) : path;
  } catch {
    // Not there: the loader says so.
    return path;
  }
}

// The project folder: the parent of the config folder. Every relative path of a process file is read from it, and
// each process runs in it, so that cron starting `main -c /srv/sat/config` in $HOME reads and writes what a run in
// /srv/sat does.
export function projectFolder(config: string, cwd = process.cwd()): string {
  return dirname(configFolder(config, cwd));
}
