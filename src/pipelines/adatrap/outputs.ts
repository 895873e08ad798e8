import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { IntegrityCheck } from '../../core/pipeline.js';

export interface Output {
  file: string;
  path: string;
  bytes: number;
  lines: number;
}

export interface OutputsFound {
  found: Output[];
  checks: IntegrityCheck[];
  /** Expected files missing or empty, by name. */
  problems: string[];
}

// Every expected output present and not empty, with its lines counted (records.written).
export async function checkOutputs(dir: string, files: string[], signal: AbortSignal): Promise<OutputsFound> {
  const found: Output[] = [];
  const checks: IntegrityCheck[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const path = join(dir, file);
    // lstat: a link is not an output (it could point anywhere on this host, and would be archived and uploaded).
    const size = await lstat(path).then((s) => (s.isFile() ? s.size : s.isSymbolicLink() ? -2 : -1), () => undefined);
    if (size === undefined || size < 0) {
      const actual = size === undefined ? 'missing' : size === -2 ? 'a symbolic link' : 'not a file';
      problems.push(`${file} is ${actual}`);
      checks.push({ name: `output ${file}`, ok: false, expected: 'present, not empty', actual });
      continue;
    }
    if (size === 0) {
      problems.push(`${file} is empty`);
      checks.push({ name: `output ${file}`, ok: false, expected: 'present, not empty', actual: 'empty' });
      continue;
    }
    const lines = await countLines(path, signal);
    found.push({ file, path, bytes: size, lines });
    checks.push({ name: `output ${file}`, ok: true, expected: 'present, not empty', actual: `${size} bytes, ${lines} lines` });
  }
  return { found, checks, problems };
}

// Lines of a file: its newlines, and one more when the last line has none.
async function countLines(path: string, signal: AbortSignal): Promise<number> {
  let lines = 0;
  let last = 0x0a;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20, signal }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++;
    if (chunk.length) last = chunk[chunk.length - 1]!;
  }
  return last === 0x0a ? lines : lines + 1;
}
