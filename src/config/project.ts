import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

// The project folder: the parent of the config folder (`--config`; when it names one process file, the folder
// holding that file). Every relative path of a process file is read from it, and each process runs in it, so
// that cron starting `main -c /srv/sat/config` in $HOME reads and writes what a run in /srv/sat does.
export function projectFolder(config: string, cwd = process.cwd()): string {
  const path = resolve(cwd, config);
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    // Not there: the loader says so; its parent is as good a base as any for the message.
  }
  return dirname(isFile ? dirname(path) : path);
}
