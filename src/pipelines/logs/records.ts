// Where lines become messages for the formats whose messages may span lines (syslog): a line that starts with a
// space or a tab continues the message before it, as macOS and rsyslog write a message's further lines.

// What the joiner hands on, in the order of the lines.
export interface RecordSink {
  /** A message: `text` is its lines joined with \n, `raw` their bytes (given only when some are not UTF-8),
   * `lines` how many lines it spans (1 + its continuation lines), `invalid` how many of them are not UTF-8. */
  record(text: string, line: number, raw: Buffer | undefined, tail: boolean, lines: number, invalid: number): void;
  /** A message longer than max_line_bytes, with its continuation lines: its first bytes, and its length. */
  overlong(line: number, head: Buffer, bytes: number, tail: boolean, lines: number, invalid: number): void;
  /** A continuation line with no message before it: the first line read, or one after a blank line. */
  orphan(text: string, line: number, raw: Buffer | undefined, tail: boolean): void;
}

/** Where a message held back starts: the position a commit made before it is complete resumes from. */
export interface Start {
  offset: number;
  line: number;
}

// macOS indents a message's further lines with a tab, rsyslog and stack traces with spaces.
export const isContinuation = (text: string): boolean => {
  const c = text.charCodeAt(0);
  return c === 0x20 || c === 0x09;
};

const NL = Buffer.from('\n');

// Holds the last message read until the next line shows whether it goes on. Joined, a message is bounded by
// max_line_bytes like a line: past it, only its first bytes are kept, the rest is counted, and it is rejected.
export class Joiner {
  private held: Start | undefined;
  private text = '';
  private raw: Buffer | undefined;
  private tail = false;
  private invalid = 0;
  /** Continuation lines joined so far; their text while the message is within the limit. */
  private more = 0;
  private parts: Array<[string, Buffer | undefined]> = [];
  /** The message's bytes, known once a continuation line comes or it is too long. */
  private bytes = 0;
  /** Set once the message is longer than the limit: its first bytes. */
  private head: Buffer | undefined;

  constructor(private readonly out: RecordSink, private readonly maxBytes: number) {}

  /** Where the message held back starts, if one is. */
  get pending(): Start | undefined {
    return this.held;
  }

  line(text: string, line: number, raw: Buffer | undefined, tail: boolean, offset: number): void {
    if (isContinuation(text)) {
      if (!this.held) return this.out.orphan(text, line, raw, tail);
      this.tail = tail;
      this.more++;
      if (raw) this.invalid++;
      const size = raw ? raw.length : Buffer.byteLength(text);
      if (!this.head && this.more === 1) this.bytes = this.raw ? this.raw.length : Buffer.byteLength(this.text);
      if (!this.head && this.bytes + 1 + size <= this.maxBytes) {
        this.bytes += 1 + size;
        this.parts.push([text, raw]);
      } else this.overflow(raw ?? Buffer.from(text), size);
      return;
    }
    this.start(line, offset, tail);
    this.text = text;
    this.raw = raw;
    this.invalid = raw ? 1 : 0;
  }

  // A line longer than the limit: a message of its own, or, starting with a space or a tab, part of the one held.
  overlong(line: number, head: Buffer, bytes: number, tail: boolean, offset: number): void {
    if (this.held && (head[0] === 0x20 || head[0] === 0x09)) {
      this.tail = tail;
      this.more++;
      if (!this.head && this.more === 1) this.bytes = this.raw ? this.raw.length : Buffer.byteLength(this.text);
      return this.overflow(head, bytes);
    }
    this.start(line, offset, tail);
    this.head = Buffer.from(head);
    this.bytes = bytes;
  }

  /** Hands on the message held, if any, and says where it started. */
  finish(): Start | undefined {
    const start = this.held;
    if (!start) return undefined;
    const lines = 1 + this.more;
    if (this.head) this.out.overlong(start.line, this.head, this.bytes, this.tail, lines, this.invalid);
    else if (lines === 1) this.out.record(this.text, start.line, this.raw, this.tail, 1, this.invalid);
    else this.out.record([this.text, ...this.parts.map(([t]) => t)].join('\n'), start.line, this.invalid ? this.joined() : undefined, this.tail, lines, this.invalid);
    this.held = undefined;
    this.text = '';
    this.raw = undefined;
    this.parts = [];
    this.more = 0;
    this.head = undefined;
    return start;
  }

  private start(line: number, offset: number, tail: boolean): void {
    this.finish();
    this.held = { offset, line };
    this.tail = tail;
    this.invalid = 0;
    this.bytes = 0;
  }

  // The message passes the limit with the line `next` (its first bytes; `size` in all): keep the message's first
  // bytes, count the rest.
  private overflow(next: Buffer, size: number): void {
    if (!this.head) {
      this.head = Buffer.concat([this.joined(), NL, next]).subarray(0, this.maxBytes);
      this.text = '';
      this.raw = undefined;
      this.parts = [];
    }
    this.bytes += 1 + size;
  }

  private joined(): Buffer {
    const pieces: Buffer[] = [this.raw ?? Buffer.from(this.text)];
    for (const [text, raw] of this.parts) pieces.push(NL, raw ?? Buffer.from(text));
    return Buffer.concat(pieces);
  }
}
