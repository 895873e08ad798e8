import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Problem } from './problem.js';

const PROCESS_FILE = /\.ya?ml$/i;

export interface Discovery {
  files: string[];
  problems: Problem[];
}

// Every *.yaml / *.yml below `dir`, recursively, in sorted order; hidden folders are passed over.
export async function discoverProcessFiles(dir: string): Promise<Discovery> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) return { files: [], problems: [{ file: dir, message: 'config folder does not exist' }] };
  if (!info.isDirectory()) return { files: [], problems: [{ file: dir, message: 'expected a folder of process files, got a file' }] };
  const found: string[] = [];
  await walk(dir, found);
  const files = found.sort((a, b) => relative(dir, a).localeCompare(relative(dir, b), 'en'));
  if (files.length === 0) return { files, problems: [{ file: dir, message: 'no process files (*.yaml, *.yml) found in the config folder' }] };
  return { files, problems: [] };
}

async function walk(dir: string, into: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, into);
    else if (entry.isFile() && PROCESS_FILE.test(entry.name)) into.push(path);
  }
}
