import { isUtf8 } from 'node:buffer';
import type { Hash } from 'node:crypto';
import type { Readable } from 'node:stream';

export interface LineSink {
  /** A line without its end (\n, \r\n). `raw` is given only when the bytes are not UTF-8 (text then shows them as \xHH);
   * `tail` says it is the last line and has no end; `offset` is where it starts in the content. */
  line(text: string, lineNo: number, raw: Buffer | undefined, tail: boolean, offset: number): void;
  /** A line longer than the limit: its first `head` bytes, and how long it was. */
  overlong(lineNo: number, head: Buffer, bytes: number, tail: boolean, offset: number): void;
  /** Every line before `offset` has been handed over; `digest` is the SHA-256 of the content before it. */
  checkpoint(offset: number, nextLine: number, digest: () => string): void | Promise<void>;
}

export interface SplitOptions {
  /** Content offset of the stream's first byte, and where lines start being handed over (`from` ≥ it). */
  streamStart: number;
  from: number;
  firstLine: number;
  /** Bytes before this offset are already in `hash`. */
  hashedUpTo: number;
  hash: Hash;
  maxLineBytes: number;
  signal: AbortSignal;
}

export interface SplitResult {
  size: number;
  sha256: string;
  /** The unterminated last line, if any: where it starts, and its number. */
  tail?: { offset: number; line: number };
  nextLine: number;
}

const NL = 0x0a;

// Cut a stream of content into lines, never holding more than a chunk and one line. Chunks that are valid
// UTF-8 (nearly all) are decoded once and split as a string; the others line by line, keeping their bytes.
export async function splitLines(stream: Readable, sink: LineSink, o: SplitOptions): Promise<SplitResult> {
  let pos = o.streamStart;
  let lineNo = o.firstLine;
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let overlongBytes = 0;
  // A byte order mark belongs to the content, not to its first line.
  let bomPending = o.from === 0;
  const deliver = (text: string, raw: Buffer | undefined, tail: boolean, offset: number) => {
    if (bomPending) {
      bomPending = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    sink.line(text, lineNo++, raw, tail, offset);
  };
  const overlong = (head: Buffer, bytes: number, tail: boolean, offset: number) => {
    bomPending = false;
    sink.overlong(lineNo++, head, bytes, tail, offset);
  };
  // One line's bytes, its \n already gone, and where it starts.
  const emit = (bytes: Buffer, tail: boolean, offset: number) => {
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, -1);
    if (bytes.length > o.maxLineBytes) return overlong(bytes.subarray(0, o.maxLineBytes), bytes.length, tail, offset);
    if (isUtf8(bytes)) deliver(bytes.toString('utf8'), undefined, tail, offset);
    else deliver(escapeInvalidUtf8(bytes), Buffer.from(bytes), tail, offset);
  };
  // Lines of a buffer that ends with \n and starts at content offset `at`. Each line is decoded on its own: a line
  // cut from one big decoded string would be a view of it, and any field kept from it (a path in a counter) would
  // pin the whole chunk.
  const splitComplete = (buf: Buffer, at: number) => {
    const valid = isUtf8(buf);
    for (let start = 0; start < buf.length; ) {
      const end = buf.indexOf(NL, start);
      if (valid && end - start <= o.maxLineBytes) {
        const stop = end > start && buf[end - 1] === 0x0d ? end - 1 : end;
        deliver(buf.toString('utf8', start, stop), undefined, false, at + start);
      } else emit(buf.subarray(start, end), false, at + start);
      start = end + 1;
    }
  };
  const hashPart = (buf: Buffer, at: number) => {
    if (at + buf.length <= o.hashedUpTo) return;
    o.hash.update(at < o.hashedUpTo ? buf.subarray(o.hashedUpTo - at) : buf);
  };
  const addCarry = (buf: Buffer) => {
    if (buf.length === 0) return;
    // One byte over the limit is allowed in the carry: it may be the \r of a CRLF, which is not the line's.
    if (overlongBytes === 0 && carryBytes + buf.length <= o.maxLineBytes + 1) {
      carry.push(Buffer.from(buf));
      carryBytes += buf.length;
      return;
    }
    // Keep the first bytes for the rejects table; the rest of an overlong line is only counted.
    if (overlongBytes === 0) overlongBytes = carryBytes;
    const room = o.maxLineBytes + 1 - carryBytes;
    if (room > 0) {
      carry.push(Buffer.from(buf.subarray(0, room)));
      carryBytes += room;
    }
    overlongBytes += buf.length;
  };
  // The carried line ends in `rest`; it started `overlongBytes || carryBytes` before `pos`.
  const finishCarry = (rest: Buffer, tail: boolean) => {
    const offset = pos - (overlongBytes || carryBytes);
    if (overlongBytes > 0) overlong(Buffer.concat(carry).subarray(0, o.maxLineBytes), overlongBytes + rest.length, tail, offset);
    else emit(carry.length ? Buffer.concat([...carry, rest]) : rest, tail, offset);
    carry = [];
    carryBytes = 0;
    overlongBytes = 0;
  };

  for await (let chunk of stream as AsyncIterable<Buffer>) {
    o.signal.throwIfAborted();
    if (pos + chunk.length <= o.from) {
      hashPart(chunk, pos);
      pos += chunk.length;
      continue;
    }
    if (pos < o.from) {
      hashPart(chunk.subarray(0, o.from - pos), pos);
      chunk = chunk.subarray(o.from - pos);
      pos = o.from;
    }
    const last = chunk.lastIndexOf(NL);
    if (last < 0) {
      hashPart(chunk, pos);
      addCarry(chunk);
      pos += chunk.length;
      continue;
    }
    const complete = chunk.subarray(0, last + 1);
    hashPart(complete, pos);
    if (carryBytes > 0 || overlongBytes > 0) {
      const first = complete.indexOf(NL);
      finishCarry(complete.subarray(0, first), false);
      splitComplete(complete.subarray(first + 1), pos + first + 1);
    } else splitComplete(complete, pos);
    pos += complete.length;
    await sink.checkpoint(pos, lineNo, () => o.hash.copy().digest('hex'));
    const rest = chunk.subarray(last + 1);
    hashPart(rest, pos);
    addCarry(rest);
    pos += rest.length;
  }
  let tail: SplitResult['tail'];
  if (carryBytes > 0 || overlongBytes > 0) {
    tail = { offset: pos - (overlongBytes || carryBytes), line: lineNo };
    finishCarry(Buffer.alloc(0), true);
  }
  return { size: pos, sha256: o.hash.digest('hex'), tail, nextLine: lineNo };
}

// Invalid bytes as \xHH (nginx's own escape), valid UTF-8 sequences decoded: lossless to read, safe to store.
export function escapeInvalidUtf8(bytes: Buffer, prefix = '\\x'): string {
  let out = '';
  let i = 0;
  let runStart = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len > 0 && i + len <= bytes.length && isUtf8(bytes.subarray(i, i + len))) {
      i += len;
      continue;
    }
    out += bytes.toString('utf8', runStart, i) + prefix + b.toString(16).padStart(2, '0');
    i++;
    runStart = i;
  }
  return out + bytes.toString('utf8', runStart, i);
}
