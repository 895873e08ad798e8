import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { splitLines, type LineSink } from '../../src/pipelines/logs/lines.js';

interface Seen {
  lines: Array<[number, string, boolean]>;
  overlong: Array<[number, number]>;
  offsets: number[];
  checkpoints: Array<[number, number, string]>;
  result: Awaited<ReturnType<typeof splitLines>>;
}

// Feed `content` in chunks cut at `cuts`, as a file stream would, and record what the splitter hands over.
async function split(content: Buffer, cuts: number[], maxLineBytes = 1024): Promise<Seen> {
  const chunks: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts, content.length]) {
    chunks.push(content.subarray(at, cut));
    at = cut;
  }
  const seen: Omit<Seen, 'result'> = { lines: [], overlong: [], checkpoints: [], offsets: [] };
  const sink: LineSink = {
    line: (text, n, raw, tail, offset) => void (seen.lines.push([n, raw ? `raw:${text}` : text, Boolean(tail)]), seen.offsets.push(offset)),
    overlong: (n, _head, bytes, _tail, offset) => void (seen.overlong.push([n, bytes]), seen.offsets.push(offset)),
    checkpoint: (offset, next, digest) => void seen.checkpoints.push([offset, next, digest()]),
  };
  const result = await splitLines(Readable.from(chunks), sink, { streamStart: 0, from: 0, firstLine: 1, hashedUpTo: 0, hash: createHash('sha256'), maxLineBytes, signal: new AbortController().signal });
  return { ...seen, result };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('splitting a log into lines', () => {
  it('gives the same lines wherever the chunks are cut: CRLF, a BOM and a multi-byte character across a cut', async () => {
    const content = Buffer.from('\uFEFFfirst\r\nsecond é\r\nthird\n');
    const whole = await split(content, []);
    expect(whole.lines).toEqual([[1, 'first', false], [2, 'second é', false], [3, 'third', false]]);
    for (let cut = 1; cut < content.length; cut++) expect((await split(content, [cut])).lines, `cut at ${cut}`).toEqual(whole.lines);
  });

  it('keeps bytes that are not UTF-8 as \\xHH and hands over the raw bytes', async () => {
    const { lines } = await split(Buffer.concat([Buffer.from('ok\nbad '), Buffer.from([0xff, 0xc3]), Buffer.from(' end\n')]), [4]);
    expect(lines).toEqual([[1, 'ok', false], [2, 'raw:bad \\xff\\xc3 end', false]]);
  });

  it('rejects a line longer than the limit, even across many chunks, without holding it', async () => {
    const content = Buffer.from(`a\n${'x'.repeat(5000)}\nb\n`);
    const { lines, overlong } = await split(content, [3, 100, 2000, 4000]);
    expect(overlong).toEqual([[2, 5000]]);
    expect(lines).toEqual([[1, 'a', false], [3, 'b', false]]);
  });

  it('accepts a line of exactly the limit whose CRLF is cut between chunks', async () => {
    const content = Buffer.from(`${'x'.repeat(1024)}\r\nnext\n`);
    const { lines, overlong } = await split(content, [1025]);
    expect(overlong).toEqual([]);
    expect(lines.map(([n, text]) => [n, text.length])).toEqual([[1, 1024], [2, 4]]);
  });

  it('hands over an unterminated last line as the tail, and says where it starts', async () => {
    const content = Buffer.from('one\ntwo\nthr');
    const { lines, result } = await split(content, [5]);
    expect(lines.at(-1)).toEqual([3, 'thr', true]);
    expect(result.tail).toEqual({ offset: 8, line: 3 });
    expect(result.sha256).toBe(sha(content));
  });

  it('checkpoints only at line ends, with the SHA-256 of exactly the content before them', async () => {
    const content = Buffer.from('one\ntwo\nthree\n');
    const { checkpoints } = await split(content, [6, 11]);
    expect(checkpoints).toEqual([[4, 2, sha(content.subarray(0, 4))], [8, 3, sha(content.subarray(0, 8))], [14, 4, sha(content)]]);
  });

  it('says where each line starts in the content, wherever the chunks are cut, a BOM, CRLF, bad UTF-8 and an overlong line included', async () => {
    const content = Buffer.concat([Buffer.from('\uFEFFone\r\n'), Buffer.from([0x62, 0xff, 0x0a]), Buffer.from(`${'x'.repeat(40)}\nthree\n\nlast`)]);
    const starts = [0, 8, 11, 52, 58, 59];
    expect((await split(content, [], 32)).offsets).toEqual(starts);
    for (let cut = 1; cut < content.length; cut++) expect((await split(content, [cut], 32)).offsets, `cut at ${cut}`).toEqual(starts);
  });
});
