import { closeSync, existsSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

export interface Inputs {
  files: string[];
  /** Plain paths (no wildcard) that do not exist or are not files: the user named them, so they are errors. */
  missing: Array<{ input: string; why: string }>;
  /** Globs that matched nothing: normal for an empty inbox, worth a warning. */
  empty: string[];
  /** Files a glob matched that are not logs: the process's own database and reports, SQLite files. */
  skipped: Array<{ path: string; why: string }>;
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0');

// The files the `inputs` name, each once, in sorted order; never the process's own database or reports
// (a glob such as data/* would otherwise ingest them, bigger at every run).
export async function expandInputs(inputs: readonly string[], own: { database: string; reportsDir: string }, cwd = process.cwd()): Promise<Inputs> {
  const found = new Map<string, string>();
  const missing: Inputs['missing'] = [];
  const empty: string[] = [];
  for (const input of inputs) {
    const path = resolve(cwd, input);
    const file = isFile(path);
    // A file that exists is that file, even when its name holds glob characters (access[1].log).
    if (file || !isDynamicPattern(input)) {
      if (file) found.set(realpathSync(path), path);
      else missing.push({ input, why: existsSync(path) ? 'not a file' : 'no such file' });
      continue;
    }
    const matches = await glob([input], { cwd, absolute: true, onlyFiles: true, followSymbolicLinks: true });
    if (matches.length === 0) empty.push(input);
    for (const path of matches) found.set(realpathSync(path), path);
  }
  const database = real(resolve(cwd, own.database));
  const ownFiles = new Set(['', '-wal', '-shm', '-journal'].map((suffix) => database + suffix));
  const reports = real(resolve(cwd, own.reportsDir)) + sep;
  const skipped: Inputs['skipped'] = [];
  const files: string[] = [];
  for (const [realPath, path] of found) {
    if (ownFiles.has(realPath)) skipped.push({ path, why: 'it is the database this process writes' });
    else if (realPath.startsWith(reports)) skipped.push({ path, why: 'it is one of the reports this process writes' });
    else if (isSqlite(realPath)) skipped.push({ path, why: 'it is an SQLite database, not a log' });
    else files.push(path);
  }
  return { files: files.sort(), missing, empty, skipped };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function isSqlite(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(16);
    return readSync(fd, head, 0, 16, 0) === 16 && head.equals(SQLITE_MAGIC);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
