import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileNameOf, rawBytes } from '../../src/pipelines/scan/files.js';
import { RawArchive, rawArchiveFile, readTar } from '../../src/pipelines/scan/raw-archive.js';
import { parseMrtg } from '../../src/pipelines/scan/mrtg.js';

describe("an interface's raw file", () => {
  it('writes every value as MRTG does, newest row first, on both sides of 2^31 and up to 2^53 - 1', () => {
    const values = [0, 9, 10, 99, 100, 999_999_999, 1_000_000_000, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 10 ** 15, 2 ** 53 - 1];
    const rows = values.map((v, i) => ({ epoch: 1_764_000_000 + 300 * i, avgIn: v, avgOut: values[values.length - 1 - i]!, maxIn: v, maxOut: 0 }));
    const expected = rows.map((r) => `${r.epoch} ${r.avgIn} ${r.avgOut} ${r.maxIn} ${r.maxOut}\n`).reverse().join('');
    expect(rawBytes(rows).toString('latin1')).toBe(expected);
  });
});

describe('an MRTG log read from bytes', () => {
  it('reads the same from the bytes of a download as from its text, a BOM and a message quoting UTF-8 included', () => {
    const text = '\uFEFF1764000300 12 34\n1764000300 1 2 3 4\n1764600000 9 9 9 9\n1764000000 5 6 7 8\n';
    const fromBytes = parseMrtg(Buffer.from(text), 0, 'x.log');
    expect(fromBytes).toEqual(parseMrtg(text, 0, 'x.log'));
    expect(fromBytes.outOfOrder).toEqual(['x.log:3 "1764600000 9 9 9 9"']);
    expect(() => parseMrtg(Buffer.from('1764000300 12 34\n1764000300 «é» 2 3 4\n'), 0, 'x.log')).toThrow('x.log:2: not an MRTG log: expected "epoch avg_in avg_out max_in max_out", got "1764000300 «é» 2 3 4"');
  });

  it('sees an HTML page behind leading blanks, and an empty answer, as the text did', () => {
    expect(() => parseMrtg(Buffer.from(`${' \n'.repeat(1000)}<html>Login</html>`))).toThrow('the answer is an HTML page');
    expect(() => parseMrtg(Buffer.from(' \n'.repeat(1000)), 0, 'x.log')).toThrow('x.log is empty');
  });
});

describe("a layer's raw archive of the day", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sat-raw-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const list = (file: string) => execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n');

  it('is a tar that tar lists and extracts, a long name included, and keeps what an earlier one held of the interfaces not collected again', () => {
    const long = `x/${'é'.repeat(30)}`; // 190 bytes as a file name: past ustar's 100
    const first = new RawArchive(dir, 'BORDE', '2026-11-22');
    first.add('core-1', Buffer.from('1 2 3 4 5\n'));
    first.add('edge/2', Buffer.from('6 7 8 9 10\n'.repeat(100)));
    first.add(long, Buffer.from(''));
    first.finish();
    const file = rawArchiveFile(dir, 'BORDE', '2026-11-22');
    expect(file).toBe(join(dir, 'BORDE', '2026-11-22.tar'));
    const longFile = `2026-11-22/${fileNameOf(long)}.log`;
    expect(list(file)).toEqual(['2026-11-22/core-1.log', '2026-11-22/edge%2F2.log', longFile]);
    execFileSync('tar', ['-xf', file, '-C', join(dir, 'BORDE')]);
    expect(readFileSync(join(dir, 'BORDE/2026-11-22/edge%2F2.log'), 'utf8')).toBe('6 7 8 9 10\n'.repeat(100));
    expect(readFileSync(join(dir, 'BORDE', longFile), 'utf8')).toBe('');

    // Again: core-1 collected anew, the others not: they stay as they were.
    const second = new RawArchive(dir, 'BORDE', '2026-11-22');
    second.add('core-1', Buffer.from('11 12 13 14 15\n'));
    second.finish();
    expect(list(file)).toEqual(['2026-11-22/core-1.log', '2026-11-22/edge%2F2.log', longFile]);
    expect(execFileSync('tar', ['-xOf', file, '2026-11-22/core-1.log'], { encoding: 'utf8' })).toBe('11 12 13 14 15\n');
    expect(readTar(readFileSync(file)).map((e) => [e.name, e.data.length])).toEqual([['2026-11-22/core-1.log', 15], ['2026-11-22/edge%2F2.log', 1100], [longFile, 0]]);
    expect(readdirSync(join(dir, 'BORDE')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes nothing for a layer with nothing collected', () => {
    new RawArchive(dir, 'BRAS', '2026-11-22').finish();
    expect(existsSync(join(dir, 'BRAS'))).toBe(false);
  });
});
