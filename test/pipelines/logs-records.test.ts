import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { splitLines } from '../../src/pipelines/logs/lines.js';
import { Joiner, type RecordSink } from '../../src/pipelines/logs/records.js';

type Seen = Array<[kind: string, line: number, text: string, lines: number, tail: boolean]>;

// A joiner whose messages are written down as [kind, first line, text, lines, tail].
function joiner(maxBytes = 1024): { joiner: Joiner; seen: Seen } {
  const seen: Seen = [];
  const sink: RecordSink = {
    record: (text, line, raw, tail, lines) => void seen.push([raw ? 'raw' : 'record', line, raw ? raw.toString('latin1') : text, lines, tail]),
    overlong: (line, head, bytes, tail, lines) => void seen.push(['overlong', line, `${head.length}/${bytes}`, lines, tail]),
    orphan: (text, line, _raw, tail) => void seen.push(['orphan', line, text, 1, tail]),
  };
  return { joiner: new Joiner(sink, maxBytes), seen };
}

// The lines of `content` through splitLines, cut at `cuts`, into a joiner; blank lines end a message, as ingestion does.
async function join(content: string, cuts: number[]): Promise<Seen> {
  const bytes = Buffer.from(content);
  const chunks = [...cuts, bytes.length].map((cut, i, all) => bytes.subarray(i ? all[i - 1] : 0, cut));
  const { joiner: j, seen } = joiner();
  await splitLines(Readable.from(chunks), {
    line: (text, n, raw, tail, offset) => (text.trim() === '' ? void j.finish() : j.line(text, n, raw, tail, offset)),
    overlong: (n, head, size, tail, offset) => j.overlong(n, head, size, tail, offset),
    checkpoint: () => {},
  }, { streamStart: 0, from: 0, firstLine: 1, hashedUpTo: 0, hash: createHash('sha256'), maxLineBytes: 1024, signal: new AbortController().signal });
  j.finish();
  return seen;
}

describe('joining continuation lines', () => {
  it('joins lines that start with a tab or spaces to the message before them, and hands it on when the next one starts', () => {
    const { joiner: j, seen } = joiner();
    j.line('Aug 16 00:32:15 mac syslogd[314]: Configuration Notice:', 1, undefined, false, 0);
    j.line('\tASL Module "com.apple.install" claims selected messages.', 2, undefined, false, 57);
    j.line('    at Object.<anonymous>', 3, undefined, false, 116);
    expect(seen).toEqual([]);
    expect(j.pending).toEqual({ offset: 0, line: 1 });
    j.line('Aug 16 00:32:16 mac syslogd[314]: next', 4, undefined, false, 142);
    expect(seen).toEqual([['record', 1, 'Aug 16 00:32:15 mac syslogd[314]: Configuration Notice:\n\tASL Module "com.apple.install" claims selected messages.\n    at Object.<anonymous>', 3, false]]);
    expect(j.pending).toEqual({ offset: 142, line: 4 });
    expect(j.finish()).toEqual({ offset: 142, line: 4 });
    expect(j.pending).toBeUndefined();
  });

  it('hands on a continuation line that has no message before it as an orphan', () => {
    const { joiner: j, seen } = joiner();
    j.line('\tnothing before me', 1, undefined, false, 0);
    j.line('Nov 22 04:00:01 h a: x', 2, undefined, false, 19);
    j.finish();
    j.line(' after a blank line', 4, undefined, true, 45);
    expect(seen).toEqual([['orphan', 1, '\tnothing before me', 1, false], ['record', 2, 'Nov 22 04:00:01 h a: x', 1, false], ['orphan', 4, ' after a blank line', 1, true]]);
  });

  it('gives the same messages wherever the chunks are cut, the last line without its newline included', async () => {
    const content = 'Nov 22 04:00:01 h a: one\n\ttwo\n  three\n\nNov 22 04:00:02 h a: four\n\tfive';
    const whole = await join(content, []);
    expect(whole).toEqual([['record', 1, 'Nov 22 04:00:01 h a: one\n\ttwo\n  three', 3, false], ['record', 5, 'Nov 22 04:00:02 h a: four\n\tfive', 2, true]]);
    for (let cut = 1; cut < content.length; cut++) expect(await join(content, [cut]), `cut at ${cut}`).toEqual(whole);
  });

  it('rejects a joined message longer than the limit whole, keeping its first bytes and counting the rest', () => {
    const { joiner: j, seen } = joiner(20);
    j.line('0123456789', 1, undefined, false, 0);
    j.line('\tabcdefgh', 2, undefined, false, 11);
    j.line('\tijklmnop', 3, undefined, false, 21);
    j.overlong(4, Buffer.from(`\t${'q'.repeat(19)}`), 500, false, 31);
    j.line('next', 5, undefined, false, 532);
    j.overlong(6, Buffer.from('r'.repeat(20)), 30, true, 537);
    j.finish();
    expect(seen).toEqual([['overlong', 1, `20/${10 + 1 + 9 + 1 + 9 + 1 + 500}`, 4, false], ['record', 5, 'next', 1, false], ['overlong', 6, '20/30', 1, true]]);
  });

  it('keeps the bytes of joined lines that are not UTF-8', () => {
    const { joiner: j, seen } = joiner();
    j.line('head', 1, undefined, false, 0);
    j.line('\tbad \\xff', 2, Buffer.from([0x09, 0x62, 0x61, 0x64, 0x20, 0xff]), false, 5);
    j.finish();
    expect(seen).toEqual([['raw', 1, 'head\n\tbad \xff', 2, false]]);
  });
});
