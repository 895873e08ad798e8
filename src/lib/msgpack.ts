// MessagePack as InfluxDB 1.x writes its query answers (tinylib/msgp), read exactly: every value keeps its wire
// type (a float64 holding 5.0 is not an integer, an int64 stays exact) and every string stays raw bytes (InfluxDB
// stores names and strings that are not UTF-8, and a decoder to JavaScript strings would change them).

export class MsgpackError extends Error {
  override name = 'MsgpackError';
}

// A cursor over one complete MessagePack object.
export class MsgpackReader {
  pos = 0;
  /** Where the string last read by `str()` starts (it ends at `pos`). */
  start = 0;

  constructor(readonly buf: Buffer) {}

  map(): number {
    const b = this.buf[this.pos]!;
    if (b >= 0x80 && b <= 0x8f) return (this.pos++, b & 0x0f);
    if (b === 0xde) return this.u16();
    if (b === 0xdf) return this.u32();
    throw this.unexpected('a map');
  }

  array(): number {
    const b = this.buf[this.pos]!;
    if (b >= 0x90 && b <= 0x9f) return (this.pos++, b & 0x0f);
    if (b === 0xdc) return this.u16();
    if (b === 0xdd) return this.u32();
    throw this.unexpected('an array');
  }

  // Skips a string, leaving its bytes at [start, pos); false (and nothing read) when the value is not a string.
  str(): boolean {
    const b = this.buf[this.pos]!;
    let length: number;
    if (b >= 0xa0 && b <= 0xbf) (length = b & 0x1f), this.pos++;
    else if (b === 0xd9) (length = this.buf[this.pos + 1]!), (this.pos += 2);
    else if (b === 0xda) length = this.u16();
    else if (b === 0xdb) length = this.u32();
    else return false;
    this.start = this.pos;
    this.pos += length;
    return true;
  }

  // A string's raw bytes, shared with the answer's buffer (copy what must outlive it).
  bytes(): Buffer {
    if (!this.str()) throw this.unexpected('a string');
    return this.buf.subarray(this.start, this.pos);
  }

  // A map key or a word of the protocol ("results", "series"), as text.
  text(): string {
    if (!this.str()) throw this.unexpected('a string');
    return this.buf.toString('utf8', this.start, this.pos);
  }

  nil(): boolean {
    if (this.buf[this.pos] !== 0xc0) return false;
    this.pos++;
    return true;
  }

  // An integer of any width; above 2^53 as a bigint. Undefined (and nothing read) when the value is not an integer.
  int(): number | bigint | undefined {
    const { buf, pos } = this;
    const b = buf[pos]!;
    if (b <= 0x7f) return (this.pos++, b);
    if (b >= 0xe0) return (this.pos++, b - 0x100);
    switch (b) {
      case 0xcc: return (this.pos += 2, buf[pos + 1]!);
      case 0xcd: return (this.pos += 3, buf.readUInt16BE(pos + 1));
      case 0xce: return (this.pos += 5, buf.readUInt32BE(pos + 1));
      case 0xcf: return (this.pos += 9, exact(buf.readBigUInt64BE(pos + 1)));
      case 0xd0: return (this.pos += 2, buf.readInt8(pos + 1));
      case 0xd1: return (this.pos += 3, buf.readInt16BE(pos + 1));
      case 0xd2: return (this.pos += 5, buf.readInt32BE(pos + 1));
      case 0xd3: return (this.pos += 9, exact(buf.readBigInt64BE(pos + 1)));
      default: return undefined;
    }
  }

  // Any value, for the small parts of an answer (administration, messages): strings as raw bytes.
  any(): unknown {
    const b = this.buf[this.pos]!;
    const n = this.int();
    if (n !== undefined) return n;
    if (this.str()) return Buffer.from(this.buf.subarray(this.start, this.pos));
    if (this.nil()) return null;
    if (b === 0xc2 || b === 0xc3) return (this.pos++, b === 0xc3);
    if (b === 0xcb) return (this.pos += 9, this.buf.readDoubleBE(this.pos - 8));
    if (b === 0xca) return (this.pos += 5, this.buf.readFloatBE(this.pos - 4));
    if ((b >= 0x90 && b <= 0x9f) || b === 0xdc || b === 0xdd) return Array.from({ length: this.array() }, () => this.any());
    if ((b >= 0x80 && b <= 0x8f) || b === 0xde || b === 0xdf) {
      const out: Record<string, unknown> = {};
      for (let i = this.map(); i > 0; i--) out[this.text()] = this.any();
      return out;
    }
    throw this.unexpected('a value');
  }

  skip(): void {
    const end = valueEnd(this.buf, this.pos);
    if (end < 0) throw new MsgpackError(`the answer ends inside a value at byte ${this.pos}`);
    this.pos = end;
  }

  unexpected(what: string): MsgpackError {
    const b = this.buf[this.pos];
    return new MsgpackError(`expected ${what} at byte ${this.pos} of the answer, found ${b === undefined ? 'its end' : `0x${b.toString(16).padStart(2, '0')}`}`);
  }

  private u16(): number {
    this.pos += 3;
    return this.buf.readUInt16BE(this.pos - 2);
  }

  private u32(): number {
    this.pos += 5;
    return this.buf.readUInt32BE(this.pos - 4);
  }
}

const exact = (n: bigint): number | bigint => (n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(n) : n);

// Where the value at `pos` ends, or -1 when `buf` ends first.
const valueEnd = (buf: Buffer, pos: number): number => new Scanner().feed(buf, pos);

// Finds where top-level objects end in a stream of bytes, resuming where it stopped when more bytes arrive.
export class Scanner {
  /** Items still to read in each open array or map (a map counts keys and values). */
  private readonly open: number[] = [];

  // Scans buf from `pos`; returns the offset just past the completed top-level object, or -1 when more bytes are
  // needed (then call again with the same buffer, grown, and `resumeAt`).
  resumeAt = 0;

  feed(buf: Buffer, pos: number): number {
    const length = buf.length;
    while (pos < length) {
      const b = buf[pos]!;
      let size: number; // the whole of a scalar, or the header of a container
      let items = -1; // a container's item count
      if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) size = 1;
      else if (b >= 0xa0 && b <= 0xbf) size = 1 + (b & 0x1f);
      else if (b >= 0x80 && b <= 0x8f) (size = 1), (items = 2 * (b & 0x0f));
      else if (b >= 0x90 && b <= 0x9f) (size = 1), (items = b & 0x0f);
      else {
        const head = HEADS[b];
        if (head === undefined) throw new MsgpackError(`byte 0x${b.toString(16)} at ${pos} is not MessagePack`);
        if (pos + head.header > length) break;
        const n = head.lengthBytes === 1 ? buf[pos + 1]! : head.lengthBytes === 2 ? buf.readUInt16BE(pos + 1) : head.lengthBytes === 4 ? buf.readUInt32BE(pos + 1) : 0;
        if (head.container) (size = head.header), (items = head.container * n);
        else size = head.header + head.fixed + n;
      }
      if (pos + size > length) break;
      pos += size;
      if (items > 0) {
        this.open.push(items);
        continue;
      }
      // A value ended: it completes its container, which may complete its own, and so on.
      for (;;) {
        if (this.open.length === 0) {
          this.resumeAt = 0;
          return pos;
        }
        const left = --this.open[this.open.length - 1]!;
        if (left > 0) break;
        this.open.pop();
      }
    }
    this.resumeAt = pos;
    return -1;
  }
}

interface Head {
  header: number;
  lengthBytes: 0 | 1 | 2 | 4;
  /** Bytes after the header that the length does not count (an ext's type byte is in the header). */
  fixed: number;
  /** 1 for an array, 2 for a map (keys and values), 0 otherwise. */
  container: 0 | 1 | 2;
}

const HEADS: Array<Head | undefined> = new Array(256);
const head = (b: number, header: number, lengthBytes: Head['lengthBytes'], fixed = 0, container: Head['container'] = 0) => (HEADS[b] = { header, lengthBytes, fixed, container });
head(0xc4, 2, 1); head(0xc5, 3, 2); head(0xc6, 5, 4); // bin
head(0xc7, 3, 1); head(0xc8, 4, 2); head(0xc9, 6, 4); // ext (the type byte is part of the header)
head(0xca, 1, 0, 4); head(0xcb, 1, 0, 8); // float32, float64
head(0xcc, 1, 0, 1); head(0xcd, 1, 0, 2); head(0xce, 1, 0, 4); head(0xcf, 1, 0, 8); // uint
head(0xd0, 1, 0, 1); head(0xd1, 1, 0, 2); head(0xd2, 1, 0, 4); head(0xd3, 1, 0, 8); // int
head(0xd4, 2, 0, 1); head(0xd5, 2, 0, 2); head(0xd6, 2, 0, 4); head(0xd7, 2, 0, 8); head(0xd8, 2, 0, 16); // fixext
head(0xd9, 2, 1); head(0xda, 3, 2); head(0xdb, 5, 4); // str
head(0xdc, 3, 2, 0, 1); head(0xdd, 5, 4, 0, 1); // array
head(0xde, 3, 2, 0, 2); head(0xdf, 5, 4, 0, 2); // map

// The top-level objects of a stream, each whole in one buffer (InfluxDB sends one per chunk of rows). Bytes are
// appended into spare room that doubles when it runs out, so an answer that arrives a byte at a time costs no more
// than one that comes in large pieces. An object handed out is never written over.
export async function* msgpackObjects(stream: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Buffer> {
  let buf = Buffer.allocUnsafe(64 * 1024);
  let start = 0; // where the object being scanned starts
  let length = 0;
  let scanner = new Scanner();
  for await (const chunk of stream) {
    if (length + chunk.length > buf.length) {
      const pending = length - start;
      if (pending + chunk.length > maxBytes) throw new MsgpackError(`one chunk of the answer is larger than ${maxBytes} bytes`);
      const grown = Buffer.allocUnsafe(Math.max(64 * 1024, 2 * (pending + chunk.length)));
      buf.copy(grown, 0, start, length);
      buf = grown;
      length = pending;
      start = 0;
    }
    length += chunk.copy(buf, length);
    for (;;) {
      const view = buf.subarray(start, length);
      const end = scanner.feed(view, scanner.resumeAt);
      if (end < 0) break;
      yield buf.subarray(start, start + end);
      start += end;
      scanner = new Scanner();
      if (start === length) break;
    }
  }
  if (length > start) throw new MsgpackError(`the answer ended inside a value (${length - start} bytes left over)`);
}
