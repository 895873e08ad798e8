import { BLOCK, checksumOf, type EntryType, type TarEntry } from './tar-header.js';

export interface TarHandlers {
  /** A file, folder or symbolic link; other entry types (devices, hard links) are passed with their flag as type. */
  entry(e: Omit<TarEntry, 'type'> & { type: EntryType | `other ${string}` }): void;
  /** Bytes of the last file's content, in order. */
  data?(chunk: Buffer): void;
}

const FLAGS: Record<string, EntryType> = { '0': 'file', '\u0000': 'file', '5': 'directory', '2': 'symlink' };

// A tar read as its bytes come (push them in order, then end()): headers checked by their checksum, pax `path`,
// `linkpath` and `size` applied to the entry after them.
export class TarReader {
  private pending: Buffer = Buffer.alloc(0);
  private offset = 0;
  private dataLeft = 0;
  private skipLeft = 0;
  private paxNext: Record<string, string> | undefined;
  private paxBody: Buffer[] | undefined;
  private ended = false;

  constructor(private readonly on: TarHandlers) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    for (;;) {
      if (this.dataLeft > 0 || this.skipLeft > 0) {
        const take = Math.min(this.pending.length - at, this.dataLeft > 0 ? this.dataLeft : this.skipLeft);
        if (take === 0) break;
        const part = this.pending.subarray(at, at + take);
        if (this.dataLeft > 0) {
          this.dataLeft -= take;
          if (this.paxBody) this.paxBody.push(Buffer.from(part));
          else this.on.data?.(part);
          if (this.dataLeft === 0 && this.paxBody) {
            this.paxNext = parsePax(Buffer.concat(this.paxBody));
            this.paxBody = undefined;
          }
        } else this.skipLeft -= take;
        at += take;
        continue;
      }
      if (this.pending.length - at < BLOCK) break;
      this.header(this.pending.subarray(at, at + BLOCK));
      at += BLOCK;
    }
    this.offset += at;
    this.pending = this.pending.subarray(at);
  }

  // The tar must have ended with its zero blocks, the last entry whole.
  end(): void {
    if (!this.ended || this.dataLeft > 0) throw new Error(`the tar ends before its end (at byte ${this.offset + this.pending.length})`);
  }

  private header(h: Buffer): void {
    if (this.ended) return;
    if (h.every((b) => b === 0)) {
      this.ended = true;
      return;
    }
    const stored = parseInt(text(h, 148, 8).trim() || 'NaN', 8);
    if (stored !== checksumOf(h)) throw new Error(`not a tar, or a damaged one: the header at byte ${this.offset} has checksum ${stored}, its bytes sum to ${checksumOf(h)}`);
    const flag = String.fromCharCode(h[156]!);
    const prefix = text(h, 345, 155);
    const pax = this.paxNext ?? {};
    this.paxNext = undefined;
    const size = pax.size !== undefined ? Number(pax.size) : parseInt(text(h, 124, 12).trim() || '0', 8);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'x') {
      if (size > 0) this.paxBody = [];
      this.dataLeft = size;
      this.skipLeft = padded - size;
      return;
    }
    const type = FLAGS[flag] ?? (`other ${flag}` as const);
    const name = pax.path ?? (prefix ? `${prefix}/${text(h, 0, 100)}` : text(h, 0, 100));
    this.on.entry({ name, type, size, mode: parseInt(text(h, 100, 8).trim() || '0', 8), mtime: parseInt(text(h, 136, 12).trim() || '0', 8), linkname: pax.linkpath ?? text(h, 157, 100) });
    // A global pax header ('g') and entries without content to keep are skipped like any other content.
    if (type === 'file') this.dataLeft = size;
    else this.skipLeft = size;
    this.skipLeft += padded - size;
  }
}

function text(h: Buffer, at: number, width: number): string {
  const field = h.subarray(at, at + width);
  const nul = field.indexOf(0);
  return field.subarray(0, nul < 0 ? width : nul).toString('utf8');
}

function parsePax(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    const len = Number(body.subarray(at, space).toString('latin1'));
    if (space < 0 || !Number.isInteger(len) || len <= 0) break;
    const record = body.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    out[record.slice(0, eq)] = record.slice(eq + 1);
    at += len;
  }
  return out;
}
