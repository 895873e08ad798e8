import { describe, expect, it } from 'vitest';
import { rawBytes } from '../../src/pipelines/scan/files.js';
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
