// Version 1 of the log transfer protocol: length-prefixed frames, a JSON header and replies, raw body chunks.
// The kind's README ("The protocol, version 1") is the description for people; this is the one for programs.

export const PROTOCOL_VERSION = 1;
/** A header or a reply larger than this is refused before it is read. */
export const MAX_HEADER_BYTES = 8 * 1024;
/** The largest body chunk a frame may carry. */
export const MAX_CHUNK_BYTES = 1024 * 1024;
/** A stored name is `<12 hex>-<name>`: the name must leave room for the prefix within the 255 bytes a file name may have. */
export const MAX_NAME_BYTES = 255 - 13;

// The codes of a refusal, as they travel in a reply; a client decides on the code, never on the message.
export const ReplyCode = {
  Auth: 'E_AUTH',
  BadHeader: 'E_BAD_HEADER',
  HeaderTooLarge: 'E_HEADER_TOO_LARGE',
  BadName: 'E_BAD_NAME',
  TooLarge: 'E_TOO_LARGE',
  Busy: 'E_BUSY',
  BadFrame: 'E_BAD_FRAME',
  SizeMismatch: 'E_SIZE_MISMATCH',
  HashMismatch: 'E_HASH_MISMATCH',
  Timeout: 'E_TIMEOUT',
  /** The server could not store the file (a full disk): try again later. */
  Storage: 'E_STORAGE',
} as const;


export interface Header {
  v: 1;
  token: string;
  name: string;
  size: number;
  sha256: string;
}

export type Reply = { ok: true; stored?: string; duplicate?: true } | { ok: false; code: string; message: string };

// A refusal of the peer's input: the server replies with its code, the client reports it.
export class ProtocolError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

// The 4-byte big-endian length that opens every frame.
export function frameLength(length: number): Buffer {
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeUInt32BE(length, 0);
  return prefix;
}

// A whole frame holding JSON: a header or a reply.
export function jsonFrame(value: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  return Buffer.concat([frameLength(body.length), body]);
}

/** The frame that ends a body. */
export const END_FRAME = frameLength(0);

export interface FrameHandler {
  /** A frame of `length` bytes begins; throw to refuse it before its bytes are read. */
  start(length: number): void;
  /** Some of its bytes, in order (a view of the received buffer: copy it to keep it). */
  data(bytes: Buffer): void;
  /** It is complete; return true to hold the bytes that follow until resume(). */
  end(): boolean | void;
}

// Cuts a byte stream into frames without copying their bytes; what the handler throws comes out of push().
export class FrameDecoder {
  private readonly prefix = Buffer.alloc(4);
  private prefixBytes = 0;
  private remaining = -1;
  private held: Buffer | undefined;

  constructor(private readonly handler: FrameHandler) {}

  get holding(): boolean {
    return this.held !== undefined;
  }

  push(buffer: Buffer): void {
    if (this.held) {
      this.held = Buffer.concat([this.held, buffer]);
      return;
    }
    let i = 0;
    while (i < buffer.length) {
      if (this.remaining < 0) {
        const take = Math.min(4 - this.prefixBytes, buffer.length - i);
        buffer.copy(this.prefix, this.prefixBytes, i, i + take);
        this.prefixBytes += take;
        i += take;
        if (this.prefixBytes < 4) return;
        this.prefixBytes = 0;
        this.remaining = this.prefix.readUInt32BE(0);
        this.handler.start(this.remaining);
      } else {
        const take = Math.min(this.remaining, buffer.length - i);
        this.handler.data(buffer.subarray(i, i + take));
        i += take;
        this.remaining -= take;
      }
      if (this.remaining === 0) {
        this.remaining = -1;
        if (this.handler.end() === true) {
          this.held = buffer.subarray(i);
          return;
        }
      }
    }
  }

  // Go on with the bytes held since end() asked for it.
  resume(): void {
    const held = this.held;
    this.held = undefined;
    if (held?.length) this.push(held);
  }
}

const HEADER_KEYS = ['v', 'token', 'name', 'size', 'sha256'] as const;
const utf8 = new TextDecoder('utf-8', { fatal: true });

// The header as the client sent it, every key checked; names are checked apart (checkName), after authentication.
export function parseHeader(bytes: Buffer): Header {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch (error) {
    const why = error instanceof SyntaxError ? 'not JSON' : 'not valid UTF-8';
    throw new ProtocolError(ReplyCode.BadHeader, `expected the header to be a JSON object, got ${why}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ProtocolError(ReplyCode.BadHeader, `expected the header to be a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  const header = value as Record<string, unknown>;
  const unknown = Object.keys(header).find((k) => !(HEADER_KEYS as readonly string[]).includes(k));
  if (unknown !== undefined) throw new ProtocolError(ReplyCode.BadHeader, `unknown key ${JSON.stringify(unknown.slice(0, 64))} in the header; expected ${HEADER_KEYS.join(', ')}`);
  // A token is never quoted back, even one of the wrong type.
  const bad = (key: string, expected: string) => new ProtocolError(ReplyCode.BadHeader, `expected "${key}" to be ${expected}, got ${key === 'token' ? kindOf(header[key]) : describe(header[key])}`);
  if (header.v !== PROTOCOL_VERSION) throw bad('v', `${PROTOCOL_VERSION} (the protocol version)`);
  if (typeof header.token !== 'string') throw bad('token', 'a string');
  if (typeof header.name !== 'string') throw bad('name', 'a string');
  if (typeof header.size !== 'number' || !Number.isSafeInteger(header.size) || header.size < 0) throw bad('size', 'a whole number of bytes');
  if (typeof header.sha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(header.sha256)) throw bad('sha256', '64 hexadecimal digits');
  return { v: PROTOCOL_VERSION, token: header.token, name: header.name, size: header.size, sha256: header.sha256.toLowerCase() };
}

// A reply from the server; anything else means the peer does not speak this protocol.
export function parseReply(bytes: Buffer): Reply {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ProtocolError('E_PROTOCOL', 'the server sent a reply that is not JSON (is it a log transfer server?)');
  }
  const reply = value as Partial<Reply> | null;
  if (reply?.ok === true) return reply as Reply;
  if (reply?.ok === false && typeof reply.code === 'string') return { ok: false, code: reply.code, message: String(reply.message ?? '') };
  throw new ProtocolError('E_PROTOCOL', 'the server sent a reply without "ok"');
}

// A plain file name, or the reason it is not one; quoted JSON-escaped so that control characters show.
export function checkName(name: string): string | undefined {
  const quoted = JSON.stringify(name.length > 300 ? `${name.slice(0, 300)}…` : name);
  const refuse = (why: string) => `refused the name ${quoted}: ${why}`;
  if (name === '') return refuse('it is empty');
  if (name === '.' || name === '..') return refuse('it is not a file name');
  if (/[/\\]/.test(name)) return refuse('a name may not hold "/" or "\\" (a plain file name only, no folders)');
  // Control characters, line and paragraph separators, and the bidirectional overrides that make a name read differently.
  if (/[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/u.test(name)) return refuse('it holds control characters');
  if (name.startsWith('.')) return refuse('a name may not start with "."');
  // The logs process reads its inputs as glob patterns: a stored "access[1].log" would match nothing and be lost.
  if (/[*?[\]{}()]/.test(name)) return refuse('a name may not hold * ? [ ] { } ( ), which are wildcards to the logs process');
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES) return refuse(`it is longer than ${MAX_NAME_BYTES} bytes`);
  return undefined;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 80 ? 'a long string' : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return kindOf(value);
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
