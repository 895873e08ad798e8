import { describe, expect, it } from 'vitest';
import type { SeriesHead } from '../../src/pipelines/influxdb-copy/answer.js';
import { LineBuffer, seriesLines, transcodeRow } from '../../src/pipelines/influxdb-copy/lines.js';
import { MsgpackReader } from '../../src/lib/msgpack.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const head = (name: string, tags: Array<[string, string]>, fields: string[]): SeriesHead => ({ name: b(name), tags: tags.map(([k, v]) => [b(k), b(v)]), columns: [b('time'), ...fields.map(b)] });

// One row of msgpack values (time first), written as a line: what InfluxDB sent, as line protocol.
function line(h: SeriesHead, row: number[], unsigned: (f: Buffer) => boolean = () => false): string | undefined {
  const out = new LineBuffer(8);
  const written = transcodeRow(new MsgpackReader(Buffer.from(row)), seriesLines(h, unsigned), out);
  if (!written) expect(out.length).toBe(0);
  return written ? out.take().body.toString('latin1') : undefined;
}

const f64 = (v: number) => {
  const x = Buffer.alloc(9);
  x[0] = 0xcb;
  x.writeDoubleBE(v, 1);
  return [...x];
};
const str = (s: string) => [0xa0 | b(s).length, ...b(s)];

describe('line protocol from a msgpack row', () => {
  it('writes each value with the type it came with', () => {
    const h = head('m', [], ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    // time 7; a float 5.0, a float -0, 1e21, an int 5, a uint 200, a negative fixint, true, a string
    const row = [0x99, 0x07, ...f64(5), ...f64(-0), ...f64(1e21), 0x05, 0xcc, 200, 0xff, 0xc3, ...str('x')];
    expect(line(h, row)).toBe('m a=5,b=-0,c=1e+21,d=5i,e=200u,f=-1i,g=true,h="x" 7');
  });

  it('writes a small whole number as unsigned only for a field stored as unsigned', () => {
    const h = head('m', [], ['u']);
    expect(line(h, [0x92, 0x01, 0x05], (f) => f.toString() === 'u')).toBe('m u=5u 1');
    expect(line(h, [0x92, 0x01, 0x05])).toBe('m u=5i 1');
  });

  it('escapes each element as InfluxDB 1.x reads it, keeps every byte, sorts tags and drops empty ones', () => {
    const h = head('my m,x=y', [['z', 'last'], ['t k', 'v,=1'], ['e', '']], ['f=1 ,']);
    expect(line(h, [0x92, 0x01, ...str('q"\\ \xff\n')])).toBe('my\\ m\\,x=y,t\\ k=v\\,\\=1,z=last f\\=1\\ \\,="q\\"\\\\ \xff\n" 1');
  });

  it('makes no line of a row without a value', () => {
    expect(line(head('m', [], ['a', 'b']), [0x93, 0x01, 0xc0, 0xc0])).toBeUndefined();
  });

  it('refuses what line protocol cannot carry rather than write something else', () => {
    expect(() => seriesLines(head('#m', [], ['v']), () => false)).toThrow(/"#m" cannot be written in line protocol \(a line starting with # is a comment\)/);
    expect(() => seriesLines(head('\tm', [], ['v']), () => false)).toThrow(/leading tab or NUL/);
    expect(() => seriesLines(head('m', [['t', 'a\nb']], ['v']), () => false)).toThrow(/tag value "a\\x0ab" of measurement "m" holds a line break/);
    // A line break right after a backslash stays in the name, as InfluxDB's own scanner reads it.
    expect(seriesLines(head('a\\\nb', [], ['v']), () => false).key.toString()).toBe('a\\\nb');
  });
});

describe('a batch of lines', () => {
  it('gives its lines as a body and starts over, keeping the last line for the next body when it did not fit', () => {
    const out = new LineBuffer(8);
    const add = (l: string) => (out.bytes(Buffer.from(l, 'latin1')), out.endLine());
    for (const l of ['aaa', 'bbbb', 'cc\xff']) add(l);
    expect(out.take(true)).toEqual({ body: Buffer.from('aaa\nbbbb'), points: 2 });
    expect(out.points).toBe(1);
    add('d');
    expect(out.take()).toEqual({ body: Buffer.from('cc\xff\nd', 'latin1'), points: 2 });
    expect(out.take()).toEqual({ body: Buffer.alloc(0), points: 0 });
  });
});
