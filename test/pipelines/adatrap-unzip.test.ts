import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unzipTo } from '../../src/pipelines/adatrap/unzip.js';
import { zipOf } from '../helpers/adatrap-day.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sat-unzip-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function zipFile(files: Record<string, string>): Promise<string> {
  const path = join(dir, 'in.zip');
  writeFileSync(path, await zipOf(files));
  return path;
}

describe('unzipping an input', () => {
  it('unpacks folders and files, and a name that only starts with two dots stays inside', async () => {
    const n = await unzipTo(await zipFile({ 'a/b.csv': 'b\n', '..hidden/c.csv': 'c\n' }), join(dir, 'out'), new AbortController().signal);
    expect(n).toBe(2);
    expect(readFileSync(join(dir, 'out/a/b.csv'), 'utf8')).toBe('b\n');
    expect(readFileSync(join(dir, 'out/..hidden/c.csv'), 'utf8')).toBe('c\n');
  });

  it('refuses a zip that unpacks past its cap (a zip bomb), before writing the entry that passes it', async () => {
    const zip = await zipFile({ 'small.csv': 'x'.repeat(100), 'big.csv': '0'.repeat(10_000) });
    await expect(unzipTo(zip, join(dir, 'out'), new AbortController().signal, 5_000)).rejects.toThrow('it unpacks to more than 5000 bytes: refused, a zip bomb would fill the disk');
    expect(existsSync(join(dir, 'out/big.csv'))).toBe(false);
  });

  it('never replaces a file already there: a duplicate entry, or another input\'s file', async () => {
    // zip writers refuse a duplicate name: the second entry is written as b.csv, then renamed in the bytes.
    const zip = join(dir, 'dup.zip');
    writeFileSync(zip, Buffer.from((await zipOf({ 'a.csv': 'first\n', 'b.csv': 'second\n' })).toString('latin1').replaceAll('b.csv', 'a.csv'), 'latin1'));
    await expect(unzipTo(zip, join(dir, 'out'), new AbortController().signal)).rejects.toThrow(/would replace a file already there/);
    expect(readFileSync(join(dir, 'out/a.csv'), 'utf8')).toBe('first\n');
  });
});
