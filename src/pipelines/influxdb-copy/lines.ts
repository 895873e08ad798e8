import { PermanentError } from '../../lib/influx-http.js';
import type { SeriesHead } from './answer.js';
import type { MsgpackReader } from '../../lib/msgpack.js';
import { showBytes } from './names.js';

// InfluxDB 1.x line protocol written byte for byte from a msgpack answer: names, tags and strings keep their bytes
// (UTF-8 or not), each value keeps the type it was sent with. The escapes are those of models/points.go: a
// measurement escapes comma and space; tag keys, tag values and field keys also the equals sign; a string field
// escapes its quote and backslash.
const COMMA = 0x2c;
const SPACE = 0x20;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

const inMeasurement = (b: number) => b === COMMA || b === SPACE;
const inKey = (b: number) => b === COMMA || b === SPACE || b === EQUALS;
const inString = (b: number) => b === QUOTE || b === BACKSLASH;

// Lines built byte by byte in one growing buffer: no line becomes a string or an object of its own. Small pieces
// are copied in a loop: Buffer#copy and Buffer#write cost more than that for a few bytes (a third of the copy's CPU).
export class LineBuffer {
  buf: Buffer;
  length = 0;
  /** Whole lines in the buffer. */
  points = 0;
  /** Where the line being built starts. */
  lineStart = 0;
  /** Where the last whole line starts. */
  private lastStart = 0;

  constructor(private readonly capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  bytes(src: Buffer, start = 0, end = src.length): void {
    const n = end - start;
    if (this.length + n > this.buf.length) this.grow(n);
    if (n > 32) {
      this.length += src.copy(this.buf, this.length, start, end);
      return;
    }
    const buf = this.buf;
    let at = this.length;
    for (let i = start; i < end; i++) buf[at++] = src[i]!;
    this.length = at;
  }

  byte(b: number): void {
    if (this.length + 1 > this.buf.length) this.grow(1);
    this.buf[this.length++] = b;
  }

  // Text of ASCII characters (numbers, true, false).
  ascii(text: string): void {
    if (this.length + text.length > this.buf.length) this.grow(text.length);
    const buf = this.buf;
    let at = this.length;
    for (let i = 0; i < text.length; i++) buf[at++] = text.charCodeAt(i);
    this.length = at;
  }

  // Copies src[start, end) with a backslash before each byte `special` picks.
  escaped(src: Buffer, start: number, end: number, special: (b: number) => boolean): void {
    let run = start;
    for (let i = start; i < end; i++) {
      if (!special(src[i]!)) continue;
      this.bytes(src, run, i);
      this.byte(BACKSLASH);
      run = i;
    }
    this.bytes(src, run, end);
  }

  endLine(): void {
    this.byte(NEWLINE);
    this.points++;
    this.lastStart = this.lineStart;
    this.lineStart = this.length;
  }

  dropLine(): void {
    this.length = this.lineStart;
  }

  // The lines so far as a write body; with `keepLast`, the last line stays for the next body (it did not fit).
  take(keepLast = false): { body: Buffer; points: number } {
    const cut = keepLast ? this.lastStart : this.length;
    const body = this.buf.subarray(0, Math.max(0, cut - 1));
    const points = keepLast ? this.points - 1 : this.points;
    const rest = this.buf.subarray(cut, this.length);
    this.buf = Buffer.allocUnsafe(Math.max(this.capacity, rest.length));
    this.length = rest.copy(this.buf, 0);
    this.points = this.length > 0 ? 1 : 0;
    this.lastStart = 0;
    this.lineStart = this.length;
    return { body, points };
  }

  // Forgets every line (the checksum reads lines one at a time).
  clear(): void {
    this.length = this.points = this.lastStart = this.lineStart = 0;
  }

  private grow(n: number): void {
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }
}

// What every line of one series shares, made once per series: its key, and each column as `key=`.
export interface SeriesLines {
  /** The escaped measurement and tags, tags sorted by key as InfluxDB keeps them. */
  key: Buffer;
  /** Per column (0 is time): the escaped field key and "=". */
  fields: Buffer[];
  /** Per column: the field is unsigned, so a small non-negative integer (sent alike for both) is written with `u`. */
  unsigned: boolean[];
}

// Why line protocol cannot carry a measurement name, if it cannot: a line starting with # is a comment (the server
// answers 204 and stores nothing), and a leading tab or NUL is skipped.
export function unwritableMeasurement(name: Buffer): string | undefined {
  if (name.length === 0) return 'an empty name';
  if (name[0] === 0x23) return 'a line starting with # is a comment';
  if (name[0] === 0x09 || name[0] === 0x00) return 'a leading tab or NUL is dropped';
  return undefined;
}

// Refuses what line protocol cannot carry, rather than write something else: see unwritableMeasurement, and a line
// break in a name or a tag (it ends the line).
export function seriesLines(head: SeriesHead, isUnsigned: (field: Buffer) => boolean): SeriesLines {
  const name = head.name;
  const why = unwritableMeasurement(name);
  if (why) throw new PermanentError(`measurement "${showBytes(name)}" cannot be written in line protocol (${why})`);
  const lineBreak = (what: string, bytes: Buffer) => {
    // A line break right after a backslash stays in the name; any other ends the line.
    for (let i = bytes.indexOf(NEWLINE); i >= 0; i = bytes.indexOf(NEWLINE, i + 1)) {
      if (i === 0 || bytes[i - 1] !== BACKSLASH) throw new PermanentError(`${what} "${showBytes(bytes)}" of measurement "${showBytes(name)}" holds a line break, which line protocol cannot carry`);
    }
  };
  lineBreak('the name', name);
  const out = new LineBuffer(256);
  out.escaped(name, 0, name.length, inMeasurement);
  for (const [k, v] of head.tags.filter(([, v]) => v.length > 0).sort(([a], [b]) => Buffer.compare(a, b))) {
    lineBreak('tag key', k);
    lineBreak('tag value', v);
    out.byte(COMMA);
    out.escaped(k, 0, k.length, inKey);
    out.byte(EQUALS);
    out.escaped(v, 0, v.length, inKey);
  }
  const key = Buffer.from(out.buf.subarray(0, out.length));
  const fields = head.columns.map((c, i) => {
    if (i === 0) return Buffer.alloc(0);
    lineBreak('field key', c);
    out.clear();
    out.escaped(c, 0, c.length, inKey);
    out.byte(EQUALS);
    return Buffer.from(out.buf.subarray(0, out.length));
  });
  return { key, fields, unsigned: head.columns.map((c, i) => i > 0 && isUnsigned(c)) };
}

// One row of `SELECT * … GROUP BY *` (time, then a value or nil per field) as a line in `out`; false when the row
// has no value (it is no point) and nothing was written.
export function transcodeRow(r: MsgpackReader, s: SeriesLines, out: LineBuffer): boolean {
  const n = r.array();
  if (n !== s.fields.length) throw new PermanentError(`a row has ${n} values for ${s.fields.length} columns`);
  const time = r.int();
  if (time === undefined) throw r.unexpected('a timestamp (an integer)');
  out.bytes(s.key);
  let fields = 0;
  for (let i = 1; i < n; i++) {
    if (r.nil()) continue;
    out.byte(fields++ === 0 ? SPACE : COMMA);
    out.bytes(s.fields[i]!);
    value(r, out, s.unsigned[i]!);
  }
  if (fields === 0) {
    out.dropLine();
    return false;
  }
  out.byte(SPACE);
  out.ascii(String(time));
  out.endLine();
  return true;
}

// One field value, typed as it came: float64 → 1.5 (5 stays a float: line protocol reads "5" as one), int → 5i,
// uint → 5u, bool → true, str → "…" with its bytes.
function value(r: MsgpackReader, out: LineBuffer, unsigned: boolean): void {
  const { buf, pos } = r;
  const b = buf[pos]!;
  if (b === 0xcb || b === 0xca) {
    const v = b === 0xcb ? buf.readDoubleBE(pos + 1) : buf.readFloatBE(pos + 1);
    r.pos += b === 0xcb ? 9 : 5;
    if (!Number.isFinite(v)) throw new PermanentError(`a float field holds ${v}, which line protocol cannot carry`);
    out.ascii(Object.is(v, -0) ? '-0' : String(v));
    return;
  }
  if (b === 0xc2 || b === 0xc3) {
    r.pos++;
    out.ascii(b === 0xc3 ? 'true' : 'false');
    return;
  }
  if (r.str()) {
    out.byte(QUOTE);
    out.escaped(buf, r.start, r.pos, inString);
    out.byte(QUOTE);
    return;
  }
  const n = r.int();
  if (n === undefined) throw r.unexpected('a field value');
  out.ascii(String(n));
  // tinylib/msgp writes uint64 with the unsigned markers (0xcc–0xcf) and int64 with the signed ones; both write 0–127 alike.
  out.byte((b >= 0xcc && b <= 0xcf) || (b <= 0x7f && unsigned) ? 0x75 : 0x69);
}
