import { readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

// Files, for housekeeping: those a place holds that are older than a cutoff. Each is deleted on its own, so a prune
// stopped halfway leaves every file whole or gone.

async function filesIn(dir: string, recursive: boolean): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive, withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

// Files last written before `cutoff` (ms), in `dir` (and below it, `recursive`), that `match` accepts.
export async function filesOlderThan(dir: string, cutoff: number, recursive: boolean, match: (file: string) => boolean = () => true): Promise<string[]> {
  const old: string[] = [];
  for (const file of await filesIn(dir, recursive)) {
    if (!match(file)) continue;
    const s = await stat(file).catch(() => undefined);
    if (s && s.mtimeMs < cutoff) old.push(file);
  }
  return old.sort();
}

// A log file's rotated copies (name1.ext … as logging/file-sink.ts makes them), never the file being written.
export const rotatedOf = (logFile: string) => {
  const ext = extname(logFile);
  const base = basename(logFile, ext);
  const rotated = new RegExp(`^${escape(base)}[1-9]\\d*${escape(ext)}$`);
  return { dir: dirname(logFile), match: (file: string) => rotated.test(basename(file)) };
};

// The scan kind's day files (<LAYER>/<date>.tar; DAILY_SUMMARY/<LAYER>/<date>.csv and the day's report, .html and
// .svg) of days before `cutoffDay` (YYYY-MM-DD): by the day they hold, not when they were written (a day collected
// again keeps its name).
export const dayFileBefore = (cutoffDay: string) => (file: string) => {
  const m = /^(\d{4}-\d{2}-\d{2})\.(tar|csv|html|svg)$/.exec(basename(file));
  return m !== null && m[1]! < cutoffDay;
};

export async function removeFiles(files: string[]): Promise<void> {
  for (const file of files) await rm(file, { force: true });
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
