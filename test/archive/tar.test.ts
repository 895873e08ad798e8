import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TarReader } from '../../src/archive/tar-reader.js';
import { tarOf, type TarTotals } from '../../src/archive/tar-writer.js';

// The tar the command kind archives: what it writes, GNU tar reads the same; what GNU tar writes, it reads.
let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sat-tar-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const LONG = `${'deep-folder-name/'.repeat(8)}ñandú-${'x'.repeat(120)}.txt`;

function tree(): void {
  mkdirSync(join(dir, 'src', ...LONG.split('/').slice(0, -1)), { recursive: true });
  writeFileSync(join(dir, 'src', LONG), 'long name\n');
  writeFileSync(join(dir, 'src', 'big.bin'), Buffer.alloc(70_001, 7));
  writeFileSync(join(dir, 'src', 'empty'), '');
  symlinkSync(`../${'t'.repeat(150)}`, join(dir, 'src', 'dangling'));
}

async function ours(): Promise<{ tar: Buffer; totals: TarTotals }> {
  const totals: TarTotals = { files: 0, file_bytes: 0, entries: 0 };
  const chunks: Buffer[] = [];
  for await (const c of tarOf([{ from: join(dir, 'src'), name: 'src' }], totals, () => {})) chunks.push(c);
  return { tar: Buffer.concat(chunks), totals };
}

function read(tar: Buffer): Array<{ name: string; type: string; size: number; linkname: string; data: string }> {
  const out: Array<{ name: string; type: string; size: number; linkname: string; data: string }> = [];
  const reader = new TarReader({ entry: (e) => out.push({ name: e.name, type: e.type, size: e.size, linkname: e.linkname, data: '' }), data: (c) => (out.at(-1)!.data += c.toString('latin1')) });
  // In odd pieces, as a stream brings them.
  for (let at = 0; at < tar.length; at += 777) reader.push(tar.subarray(at, at + 777));
  reader.end();
  return out;
}

describe('tar', () => {
  it('writes long and non-ASCII names and link targets (pax) that GNU tar lists and extracts', async () => {
    tree();
    const { tar, totals } = await ours();
    expect(totals).toEqual({ files: 3, file_bytes: 70_011, entries: 4 + LONG.split('/').length });
    const listed = execFileSync('tar', ['-tf', '-'], { input: tar }).toString().split('\n').filter(Boolean);
    expect(listed).toContain(`src/${LONG}`);
    expect(listed).toContain('src/dangling');
    mkdirSync(join(dir, 'out'));
    execFileSync('tar', ['-xf', '-', '-C', join(dir, 'out')], { input: tar });
    expect(readFileSync(join(dir, 'out', 'src', LONG), 'utf8')).toBe('long name\n');
    expect(readFileSync(join(dir, 'out', 'src', 'big.bin'))).toEqual(Buffer.alloc(70_001, 7));
    const entries = read(tar);
    expect(entries.find((e) => e.name === `src/${LONG}`)).toMatchObject({ type: 'file', data: 'long name\n' });
    expect(entries.find((e) => e.name === 'src/dangling')).toMatchObject({ type: 'symlink', linkname: `../${'t'.repeat(150)}` });
  });

  it('reads what GNU tar writes in pax format, and refuses a damaged header or a cut tar', async () => {
    tree();
    const gnu = execFileSync('tar', ['--format=pax', '-cf', '-', '-C', dir, 'src']);
    const entries = read(gnu);
    expect(entries.find((e) => e.name === `src/${LONG}`)).toMatchObject({ type: 'file', size: 10, data: 'long name\n' });
    expect(entries.find((e) => e.name === 'src/big.bin')?.data.length).toBe(70_001);
    const damaged = Buffer.from(gnu);
    damaged[1024 + 3]! ^= 0x20;
    expect(() => read(damaged)).toThrow(/checksum/);
    expect(() => read(gnu.subarray(0, 2048))).toThrow(/ends before its end/);
  });
});
