// Tar headers, POSIX ustar with pax extended headers (what GNU and BSD tar read): a name, a link target longer than
// the 100 bytes ustar has for it, or a size above 8 GiB goes in a pax header before the entry.
export const BLOCK = 512;

export type EntryType = 'file' | 'directory' | 'symlink';

export interface TarEntry {
  name: string;
  type: EntryType;
  size: number;
  mode: number;
  mtime: number;
  linkname: string;
}

const TYPE_FLAG: Record<EntryType, string> = { file: '0', directory: '5', symlink: '2' };
const MAX_OCTAL_SIZE = 0o77777777777;

export function encodeHeader(e: TarEntry): Buffer {
  const pax: string[] = [];
  if (Buffer.byteLength(e.name) > 100) pax.push(paxRecord('path', e.name));
  if (Buffer.byteLength(e.linkname) > 100) pax.push(paxRecord('linkpath', e.linkname));
  if (e.size > MAX_OCTAL_SIZE) pax.push(paxRecord('size', String(e.size)));
  const main = rawHeader(e.name, TYPE_FLAG[e.type], e.size > MAX_OCTAL_SIZE ? 0 : e.size, e.mode, e.mtime, e.linkname);
  if (pax.length === 0) return main;
  const body = Buffer.from(pax.join(''));
  return Buffer.concat([rawHeader(`PaxHeader/${e.name.slice(-80)}`, 'x', body.length, 0o644, e.mtime, ''), body, padding(body.length), main]);
}

export const padding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

// "LEN key=value\n", LEN counting its own digits.
function paxRecord(key: string, value: string): string {
  const rest = Buffer.byteLength(` ${key}=${value}\n`);
  let len = rest + 1;
  while (String(len).length + rest !== len) len = String(len).length + rest;
  return `${len} ${key}=${value}\n`;
}

function rawHeader(name: string, flag: string, size: number, mode: number, mtime: number, linkname: string): Buffer {
  const h = Buffer.alloc(BLOCK);
  Buffer.from(name).copy(h, 0, 0, 100);
  octal(h, 100, 8, mode & 0o7777);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, Math.max(0, Math.floor(mtime)));
  h.write('        ', 148, 'latin1');
  h.write(flag, 156, 'latin1');
  Buffer.from(linkname).copy(h, 157, 0, 100);
  h.write('ustar\u000000', 257, 'latin1');
  h.write(`${checksumOf(h).toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  return h;
}

function octal(h: Buffer, at: number, width: number, value: number): void {
  h.write(`${value.toString(8).padStart(width - 1, '0')}\u0000`, at, 'latin1');
}

// The sum of a header's bytes, its checksum field counted as spaces.
export function checksumOf(h: Buffer): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum;
}
