import type { Dirent, Stats } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describeFsError } from './fs-errors.js';
import type { Problem } from './problem.js';

const PROCESS_FILE = /\.ya?ml$/i;

export interface Discovery {
  files: string[];
  problems: Problem[];
}

// Every *.yaml / *.yml below `dir`, recursively, in sorted order; hidden folders are passed over. Symlinks are
// followed, to files and to folders; a folder that links back to one it is inside is a loop, and named.
// `dir` may also be one process file (`-c config/nightly.yaml`): then it is the only one, whatever its name.
export async function discoverProcessFiles(dir: string): Promise<Discovery> {
  let info: Stats;
  try {
    info = await stat(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what = PROCESS_FILE.test(dir) ? 'process file' : 'config folder';
    const message = code === 'ENOENT' ? `${what} does not exist` : `cannot read the ${what}: ${describeFsError(error)}`;
    return { files: [], problems: [{ file: dir, message }] };
  }
  if (info.isFile()) return { files: [dir], problems: [] };
  if (!info.isDirectory()) return { files: [], problems: [{ file: dir, message: 'expected a folder of process files or a process file, got a special file (FIFO, socket or device)' }] };
  const found: string[] = [];
  const problems: Problem[] = [];
  await walk(dir, [], found, problems);
  const files = found.sort((a, b) => relative(dir, a).localeCompare(relative(dir, b), 'en'));
  if (problems.length) return { files, problems: problems.sort((a, b) => a.file.localeCompare(b.file, 'en')) };
  if (files.length === 0) return { files, problems: [{ file: dir, message: 'no process files (*.yaml, *.yml) found in the config folder' }] };
  return { files, problems: [] };
}

// `above`: the real paths of the folders being walked, from the top down to `dir`'s parent.
async function walk(dir: string, above: string[], into: string[], problems: Problem[]): Promise<void> {
  let real: string;
  let entries: Dirent[];
  try {
    real = await realpath(dir);
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    problems.push({ file: dir, message: `cannot read the folder: ${describeFsError(error)}` });
    return;
  }
  if (above.includes(real)) {
    problems.push({ file: dir, message: `symlink loop: this folder leads back to "${real}", which holds it` });
    return;
  }
  const path = [...above, real];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    let kind: 'folder' | 'file' | 'other' = entry.isDirectory() ? 'folder' : entry.isFile() ? 'file' : 'other';
    if (entry.isSymbolicLink()) {
      try {
        const target = await stat(full);
        kind = target.isDirectory() ? 'folder' : target.isFile() ? 'file' : 'other';
      } catch (error) {
        // A link to nothing is passed over unless it is named like a process file: then it was meant to be one.
        const dangling = (error as NodeJS.ErrnoException).code === 'ENOENT';
        if (!dangling || PROCESS_FILE.test(entry.name)) problems.push({ file: full, message: `cannot follow the symlink: ${describeFsError(error)}` });
        continue;
      }
    }
    if (kind === 'folder') await walk(full, path, into, problems);
    else if (PROCESS_FILE.test(entry.name)) {
      // A FIFO, socket or device named *.yaml is named rather than read (reading a FIFO waits for ever).
      if (kind === 'file') into.push(full);
      else problems.push({ file: full, message: 'expected a regular file, got a special file (FIFO, socket or device)' });
    }
  }
}
