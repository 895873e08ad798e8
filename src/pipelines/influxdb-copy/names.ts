import { isUtf8 } from 'node:buffer';

// A name as InfluxDB 1.x keeps it: bytes, which need not be UTF-8 (its line protocol takes any byte).
export class Name {
  readonly utf8: boolean;
  /** For messages and globs: the name, with each byte that is not UTF-8 and each control character shown as \xHH. */
  readonly text: string;

  constructor(readonly bytes: Buffer) {
    this.utf8 = isUtf8(bytes);
    const hex = (b: number) => `\\x${b.toString(16).padStart(2, '0')}`;
    this.text = runes(bytes).map((r) => (typeof r !== 'number' ? hex(r.byte) : r < 0x20 || r === 0x7f ? hex(r) : String.fromCodePoint(r))).join('');
  }

  static of(text: string): Name {
    return new Name(Buffer.from(text, 'utf8'));
  }

  equals(bytes: Buffer): boolean {
    return this.bytes.equals(bytes);
  }
}

// "name" for InfluxQL: backslash, quote and line breaks escaped (its scanner refuses a raw line break).
export const quoteIdent = (name: string) => `"${name.replace(/[\\"]/g, '\\$&').replace(/\n/g, '\\n')}"`;

// A name InfluxQL can quote: UTF-8 without control characters (its scanner takes a NUL for the end of the query,
// and refuses a carriage return or a tab in a quoted name).
export const quotable = (bytes: Buffer): boolean => isUtf8(bytes) && !/[\x00-\x1f\x7f]/.test(bytes.toString('latin1'));

// What follows FROM for a measurement of a retention policy. A name InfluxQL cannot quote is found with an anchored
// regular expression instead, in which each byte that is not UTF-8 is `.`: Go's regexp reads such a byte as one
// character (U+FFFD). Not `\x{FFFD}`: InfluxDB turns a regular expression that is a plain literal into a comparison
// of bytes, which a stray byte never equals. `.` may match other names too (see `sameRegex`), so every query made
// with it keeps only this name's series.
export function fromClause(rp: string, m: Name): string {
  if (quotable(m.bytes)) return `${quoteIdent(rp)}.${quoteIdent(m.bytes.toString('utf8'))}`;
  const pattern = runes(m.bytes)
    .map((r) => (typeof r !== 'number' ? '.' : r > 0x20 && r < 0x7f ? String.fromCharCode(r).replace(/[\\.+*?()|[\]{}^$/]/, '\\$&') : `\\x{${r.toString(16)}}`))
    .join('');
  return `${quoteIdent(rp)}./^${pattern}$/`;
}

// The other names a query about `m` also reads: those its regular expression matches. Empty for a name that is quoted.
export function sameRegex(m: Name, all: Name[]): Name[] {
  if (quotable(m.bytes)) return [];
  // The same expression in JavaScript, over the characters Go's regexp sees (a stray byte is U+FFFD; `.` is not \n).
  const pattern = runes(m.bytes)
    .map((r) => (typeof r !== 'number' ? '[^\\n]' : String.fromCodePoint(r).replace(/[\\^$.*+?()[\]{}|/]/, '\\$&')))
    .join('');
  const re = new RegExp(`^${pattern}$`, 'u');
  return all.filter((o) => o !== m && re.test(goText(o.bytes)));
}

// The text Go's regexp sees: each stray byte as U+FFFD.
const goText = (bytes: Buffer) => runes(bytes).map((r) => (typeof r === 'number' ? String.fromCodePoint(r) : '\ufffd')).join('');

// The characters of a byte string as Go's utf8.DecodeRune reads them: a code point, or one stray byte at a time.
function runes(bytes: Buffer): Array<number | { byte: number }> {
  const out: Array<number | { byte: number }> = [];
  for (let i = 0; i < bytes.length; ) {
    const [rune, size] = decodeRune(bytes, i);
    out.push(rune < 0 ? { byte: bytes[i]! } : rune);
    i += size;
  }
  return out;
}

// RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF. -1 (one byte) when not a valid sequence.
function decodeRune(b: Buffer, i: number): [number, number] {
  const b0 = b[i]!;
  if (b0 < 0x80) return [b0, 1];
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < b.length && b[i + k]! >= lo && b[i + k]! <= hi;
  if (b0 >= 0xc2 && b0 <= 0xdf && cont(1)) return [((b0 & 0x1f) << 6) | (b[i + 1]! & 0x3f), 2];
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const [lo, hi] = b0 === 0xe0 ? [0xa0, 0xbf] : b0 === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    if (cont(1, lo, hi) && cont(2)) return [((b0 & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f), 3];
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const [lo, hi] = b0 === 0xf0 ? [0x90, 0xbf] : b0 === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    if (cont(1, lo, hi) && cont(2) && cont(3)) return [((b0 & 0x07) << 18) | ((b[i + 1]! & 0x3f) << 12) | ((b[i + 2]! & 0x3f) << 6) | (b[i + 3]! & 0x3f), 4];
  }
  return [-1, 1];
}

// Bytes for a message: UTF-8 where they are, \xHH where not.
export const showBytes = (bytes: Buffer): string => new Name(bytes).text;
