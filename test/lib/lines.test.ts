import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { onLines } from '../../src/lib/lines.js';

// The lines a stream gives when written in these chunks, cut by `cut` (onLines, or readline as the reference).
async function linesOf(chunks: Array<string | Buffer>, cut: (stream: PassThrough, onLine: (line: string) => void) => void): Promise<string[]> {
  const stream = new PassThrough();
  const lines: string[] = [];
  const ended = new Promise((resolve) => stream.once('end', resolve));
  cut(stream, (line) => lines.push(line));
  // One chunk a turn of the event loop, so that each arrives as a 'data' event of its own.
  for (const chunk of chunks) {
    stream.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  stream.end();
  await ended;
  await new Promise((resolve) => setImmediate(resolve)); // readline gives its last line on 'end', after ours
  return lines;
}

const byReadline = (stream: PassThrough, onLine: (line: string) => void) => void createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);

const cases: Record<string, Array<string | Buffer>> = {
  'lines ended by \\n': ['one\ntwo\n'],
  'a last line without a break': ['one\ntwo'],
  'empty lines kept': ['\n\none\n\n'],
  '\\r\\n as one break': ['one\r\ntwo\r\n'],
  '\\r\\n split between two chunks': ['one\r', '\ntwo\r', '\n'],
  'a lone \\r (a progress bar redrawn in place)': ['10%\r20%\r30%\ndone\n'],
  '\\r at the end of a chunk, then a line': ['a\r', 'b\n'],
  '\\r then a chunk of one \\n, then another \\n': ['a\r', '\n', '\n', 'b'],
  'a line in many chunks': ['a', 'b', 'c', '\n', 'd', 'e'],
  'a UTF-8 character split between chunks': [Buffer.from([0x68, 0xc3]), Buffer.from([0xa9, 0x0a, 0xe2, 0x82]), Buffer.from([0xac, 0x0a])],
  'nothing at all': [],
};

describe('the lines of a stream', () => {
  for (const [name, chunks] of Object.entries(cases)) {
    it(`are readline's: ${name}`, async () => {
      expect(await linesOf(chunks, onLines)).toEqual(await linesOf(chunks, byReadline));
    });
  }

  it('come whole when a long line arrives in many chunks', async () => {
    const chunks = Array.from({ length: 2000 }, () => 'x'.repeat(1000));
    const lines = await linesOf([...chunks, '\nnext'], onLines);
    expect(lines.map((l) => l.length)).toEqual([2_000_000, 4]);
  });
});
