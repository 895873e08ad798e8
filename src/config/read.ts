import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Problem } from './problem.js';
import { describeFsError } from './fs-errors.js';

// A process file is settings, not data: 4,000 processes take 0.6 to 2 MB. The cap keeps a stray dump or log named
// *.yaml from taking the machine's memory (parsed YAML takes about 150 times its size) and minutes of parsing.
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

// The text of a process file, or the problem that stops it being read: unreadable, not a regular file,
// too large, or not UTF-8 (a Latin-1 password would otherwise be changed into U+FFFD without a word).
export async function readProcessFile(file: string, displayName: string): Promise<{ text: string } | { problem: Problem }> {
  const refuse = (message: string, at: { line?: number; col?: number } = {}) => ({ problem: { file: displayName, ...at, message } });
  let handle;
  try {
    // O_NONBLOCK: a FIFO named *.yaml must not hang the loader while it waits for a writer.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return refuse(`cannot read the file: ${describeFsError(error)}`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return refuse(`expected a regular file, got ${info.isDirectory() ? 'a folder' : 'a special file (FIFO, socket or device)'}`);
    if (info.size > MAX_FILE_BYTES) return refuse(tooLarge(`${megabytes(info.size)} MB`));
    // Read at most one byte past the cap: a file that grows while it is read is caught too.
    const buffer = Buffer.alloc(Math.min(info.size, MAX_FILE_BYTES) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length === buffer.length) {
        if (length > MAX_FILE_BYTES) return refuse(tooLarge(`more (it grew while it was read)`));
        break;
      }
    }
    const bytes = buffer.subarray(0, length);
    const text = decodeUtf8(bytes);
    if (text !== undefined) return { text };
    const bad = firstInvalidUtf8(bytes);
    const byte = bytes[bad]!.toString(16).toUpperCase().padStart(2, '0');
    return refuse(`expected UTF-8 text, got the byte 0x${byte} (is the file Latin-1 or Windows-1252? save it as UTF-8)`, positionOfByte(bytes, bad));
  } catch (error) {
    return refuse(`cannot read the file: ${describeFsError(error)}`);
  } finally {
    await handle.close();
  }
}

const megabytes = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

function tooLarge(got: string): string {
  return `expected a process file of at most ${megabytes(MAX_FILE_BYTES)} MB, got ${got}; split its processes into several files`;
}

const strict = new TextDecoder('utf-8', { fatal: true });
const lenient = new TextDecoder('utf-8');

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strict.decode(bytes);
  } catch {
    return undefined;
  }
}

// The offset of the first byte that does not belong to a well-formed UTF-8 sequence (RFC 3629: no overlongs,
// no surrogates, nothing above U+10FFFF).
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min = 0x80;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) min = 0xa0;
      if (b === 0xed) max = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) min = 0x90;
      if (b === 0xf4) max = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      // The first continuation byte has the narrower range; an incomplete sequence points at its lead byte.
      const [lo, hi] = k === 1 ? [min, max] : [0x80, 0xbf];
      if (c === undefined || c < lo || c > hi) return i;
    }
    i += need + 1;
  }
  return bytes.length;
}

// Line and column (in characters, as the YAML parser counts them) of a byte offset.
function positionOfByte(bytes: Uint8Array, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      start = i + 1;
    }
  }
  return { line, col: lenient.decode(bytes.subarray(start, offset)).length + 1 };
}
