import { describe, expect, it } from 'vitest';
import { answerSeries } from '../../src/pipelines/influxdb-copy/answer.js';
import { MsgpackReader, msgpackObjects, Scanner } from '../../src/lib/msgpack.js';

// A small MessagePack writer for the tests, in the forms tinylib/msgp (InfluxDB's encoder) uses.
type V = null | boolean | number | bigint | string | Buffer | V[] | { [k: string]: V } | { f64: number } | { u64: bigint };
function pack(v: V): Buffer {
  const head = (b: number, n: number, bytes: number) => {
    const out = Buffer.alloc(1 + bytes);
    out[0] = b;
    if (bytes === 1) out.writeUInt8(n, 1);
    if (bytes === 2) out.writeUInt16BE(n, 1);
    if (bytes === 4) out.writeUInt32BE(n, 1);
    return out;
  };
  const sized = (fix: number, fixMax: number, b8: number | undefined, b16: number, b32: number, n: number) =>
    n <= fixMax ? Buffer.from([fix | n]) : b8 !== undefined && n < 256 ? head(b8, n, 1) : n < 65536 ? head(b16, n, 2) : head(b32, n, 4);
  if (v === null) return Buffer.from([0xc0]);
  if (typeof v === 'boolean') return Buffer.from([v ? 0xc3 : 0xc2]);
  if (typeof v === 'number' || typeof v === 'bigint') {
    const n = BigInt(v);
    if (n >= 0n && n < 128n) return Buffer.from([Number(n)]);
    if (n < 0n && n >= -32n) return Buffer.from([Number(n) & 0xff]);
    const out = Buffer.alloc(9);
    out[0] = 0xd3;
    out.writeBigInt64BE(n, 1);
    return out;
  }
  if (typeof v === 'string' || Buffer.isBuffer(v)) {
    const bytes = Buffer.isBuffer(v) ? v : Buffer.from(v);
    return Buffer.concat([sized(0xa0, 31, 0xd9, 0xda, 0xdb, bytes.length), bytes]);
  }
  if (Array.isArray(v)) return Buffer.concat([sized(0x90, 15, undefined, 0xdc, 0xdd, v.length), ...v.map(pack)]);
  if ('f64' in v) {
    const out = Buffer.alloc(9);
    out[0] = 0xcb;
    out.writeDoubleBE(v.f64 as number, 1);
    return out;
  }
  if ('u64' in v) {
    const out = Buffer.alloc(9);
    out[0] = 0xcf;
    out.writeBigUInt64BE(v.u64 as bigint, 1);
    return out;
  }
  const entries = Object.entries(v);
  return Buffer.concat([sized(0x80, 15, undefined, 0xde, 0xdf, entries.length), ...entries.flatMap(([k, x]) => [pack(k), pack(x as V)])]);
}

async function* chunks(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

async function collect<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

describe('the msgpack scanner', () => {
  const objects = [
    { results: [{ statement_id: 0, series: [{ name: 'cpu', columns: ['time', 'v'], values: [[1, { f64: 5 }], [2, 'x'.repeat(300)]] }] }] },
    { results: [{ statement_id: 0, series: [{ name: Buffer.from([0x62, 0xff]), values: Array.from({ length: 70_000 }, (_, i) => [i]) }] }] },
    { error: 'boom' },
  ] as V[];
  const stream = Buffer.concat(objects.map(pack));

  it('finds where each top-level object ends, however the bytes are cut', async () => {
    const whole = objects.map(pack);
    for (const size of [1, 2, 3, 7, 64, 1000, stream.length]) {
      const got = await collect(msgpackObjects(chunks(stream, size), 1 << 30));
      expect(got.map((b) => b.toString('hex'))).toEqual(whole.map((b) => b.toString('hex')));
    }
  });

  it('sizes every form: str, bin and ext of each width, fixext, arrays and maps of 16 and 32 bits', () => {
    const forms = [
      Buffer.concat([Buffer.from([0xd9, 3]), Buffer.from('abc')]),
      Buffer.concat([Buffer.from([0xda, 0, 3]), Buffer.from('abc')]),
      Buffer.concat([Buffer.from([0xdb, 0, 0, 0, 3]), Buffer.from('abc')]),
      Buffer.from([0xc4, 2, 1, 2]),
      Buffer.from([0xc5, 0, 2, 1, 2]),
      Buffer.from([0xc6, 0, 0, 0, 2, 1, 2]),
      Buffer.from([0xc7, 2, 9, 1, 2]),
      Buffer.from([0xc8, 0, 2, 9, 1, 2]),
      Buffer.from([0xc9, 0, 0, 0, 2, 9, 1, 2]),
      Buffer.from([0xd4, 9, 1]),
      Buffer.from([0xd8, 9, ...Array(16).fill(0)]),
      Buffer.from([0xdc, 0, 2, 1, 2]),
      Buffer.from([0xdd, 0, 0, 0, 1, 0xc0]),
      Buffer.from([0xde, 0, 1, 0xa1, 0x6b, 0xc3]),
      Buffer.from([0xdf, 0, 0, 0, 1, 0xa1, 0x6b, 0xc2]),
      Buffer.from([0xca, 0, 0, 0, 0]),
    ];
    for (const form of forms) {
      expect(new Scanner().feed(form, 0), form.toString('hex')).toBe(form.length);
      expect(new Scanner().feed(form.subarray(0, form.length - 1), 0), form.toString('hex')).toBe(-1);
    }
    expect(() => new Scanner().feed(Buffer.from([0xc1]), 0)).toThrow(/not MessagePack/);
  });

  it('refuses an answer cut inside a value, and a chunk over the bound', async () => {
    await expect(collect(msgpackObjects(chunks(stream.subarray(0, stream.length - 2), 5), 1 << 30))).rejects.toThrow(/ended inside a value/);
    await expect(collect(msgpackObjects(chunks(stream, 100), 1000))).rejects.toThrow(/larger than 1000 bytes/);
  });
});

describe('the msgpack reader', () => {
  it('reads integers of every width exactly, above 2^53 as a bigint', () => {
    const cases: Array<[number[], number | bigint]> = [
      [[0x05], 5], [[0xff], -1], [[0xcc, 0xff], 255], [[0xcd, 1, 0], 256], [[0xce, 0, 1, 0, 0], 65536],
      [[0xd0, 0x80], -128], [[0xd1, 0x80, 0], -32768], [[0xd2, 0x80, 0, 0, 0], -2147483648],
      [[0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0], -9223372036854775808n], [[0xd3, 0, 0x20, 0, 0, 0, 0, 0, 1], 9007199254740993n],
      [[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 18446744073709551615n], [[0xd3, 0, 0, 0, 0, 0, 0, 0, 7], 7],
    ];
    for (const [bytes, value] of cases) expect(new MsgpackReader(Buffer.from(bytes)).int()).toBe(value);
  });

  it('keeps strings as their bytes', () => {
    const r = new MsgpackReader(pack(['caf\xe9', Buffer.from([0xff, 0xfe])]));
    expect(r.any()).toEqual([Buffer.from('caf\xe9'), Buffer.from([0xff, 0xfe])]);
  });
});

describe('the series of an answer', () => {
  it('streams rows where they stand, comes back to values sent before the columns, and throws the error a server reports', async () => {
    const answer = Buffer.concat([
      pack({ results: [{ statement_id: 0, series: [{ name: 'a', tags: { host: 'x' }, columns: ['time', 'v'], values: [[1, 2]] }, { values: [[3, 4]], name: 'b', columns: ['time', 'w'] }] }] }),
      pack({ results: [{ error: 'shard not found' }] }),
    ]);
    const seen: string[] = [];
    const read = (async () => {
      for await (const { head, reader, rows } of answerSeries(chunks(answer, 7))) {
        for (let i = 0; i < rows; i++) seen.push(`${head.name} ${head.tags.map(([k, v]) => `${k}=${v}`)} ${head.columns.join('/')} ${JSON.stringify(reader.any(), (_, x) => (typeof x === 'bigint' ? String(x) : x))}`);
      }
    })();
    await expect(read).rejects.toThrow('query failed: shard not found');
    expect(seen).toEqual(['a host=x time/v [1,2]', 'b  time/w [3,4]']);
  });
});
