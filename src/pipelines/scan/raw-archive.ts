import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync, writevSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileNameOf } from './files.js';

// The raw rows of a layer's day, one tar archive: data_dir/<LAYER>/<date>.tar, holding <date>/<interface>.log,
// each in MRTG's format as rawBytes writes it. Extracted in data_dir/<LAYER> (tar -xf <date>.tar) it gives a file per
// interface; `tar -xOf <date>.tar <date>/<interface>.log` prints one. One file a day instead of one per interface: the
// 2,000 files of a large scan cost more to create (a free inode each) than everything else written for them.
// The archive is written beside its place as the answers arrive, an entry for each with one write, and takes its
// place when the collection ends: the interfaces of an earlier archive of that day that were not collected this time
// are carried over, as their own files stayed when there was one per interface.
export class RawArchive {
  private fd: number | undefined;
  private finished = false;
  private readonly written = new Set<string>();
  readonly file: string;
  private readonly tmp: string;

  constructor(dataDir: string, layer: string, private readonly date: string) {
    this.file = rawArchiveFile(dataDir, layer, date);
    this.tmp = `${this.file}.${process.pid}.tmp`;
  }

  /** The day's rows of one interface; `bytes` are written at once (they may be a reused buffer). */
  add(interfaceName: string, bytes: Buffer): void {
    // A fetch that lands after the run stopped and its archives were put in place.
    if (this.finished) return;
    if (this.fd === undefined) {
      mkdirSync(dirname(this.file), { recursive: true });
      this.fd = openSync(this.tmp, 'w');
    }
    const name = `${this.date}/${fileNameOf(interfaceName)}.log`;
    writevSync(this.fd, [...headers(name, bytes.length), bytes, PADDING.subarray(0, padding(bytes.length))]);
    this.written.add(name);
  }

  /** Ends the archive and puts it in place, with what an earlier one held of the interfaces not collected now. */
  finish(): void {
    this.finished = true;
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      if (existsSync(this.file)) {
        for (const entry of readTar(readFileSync(this.file))) {
          if (this.written.has(entry.name)) continue;
          writevSync(fd, [...headers(entry.name, entry.data.length), entry.data, PADDING.subarray(0, padding(entry.data.length))]);
        }
      }
      writeSync(fd, END);
      closeSync(fd);
      renameSync(this.tmp, this.file);
    } catch (error) {
      closeSync(fd);
      rmSync(this.tmp, { force: true });
      throw error;
    }
  }

}

export function rawArchiveFile(dataDir: string, layer: string, date: string): string {
  return join(dataDir, layer, `${date}.tar`);
}

// The entries of a tar archive (ustar, with the PAX long names written here), for carrying them over and for tests.
export function readTar(tar: Buffer): Array<{ name: string; data: Buffer }> {
  const entries: Array<{ name: string; data: Buffer }> = [];
  let longName: string | undefined;
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(text(header, 124, 12).trim() || '0', 8);
    const data = tar.subarray(at + BLOCK, at + BLOCK + size);
    at += BLOCK + size + padding(size);
    const type = String.fromCharCode(header[156]!);
    if (type === 'x') {
      longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'))?.[1];
      continue;
    }
    if (type !== '0' && type !== '\0') continue;
    const prefix = text(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    longName = undefined;
    entries.push({ name, data });
  }
  return entries;
}

const BLOCK = 512;
const PADDING = Buffer.alloc(BLOCK);
// Two zero blocks end an archive.
const END = Buffer.alloc(2 * BLOCK);
const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;
const text = (block: Buffer, at: number, length: number) => {
  const end = block.indexOf(0, at);
  return block.toString('utf8', at, end === -1 || end > at + length ? at + length : end);
};

// The header blocks of a regular file: a ustar header, after a PAX header when the name does not fit (a file name
// past 100 bytes: the folder goes in the 155 bytes of the prefix).
function headers(name: string, size: number): Buffer[] {
  const slash = name.indexOf('/');
  const [prefix, base] = slash === -1 ? ['', name] : [name.slice(0, slash), name.slice(slash + 1)];
  if (Buffer.byteLength(base) <= 100 && Buffer.byteLength(prefix) <= 155) return [ustar(base, prefix, size, '0')];
  const record = (n: number) => `${n} path=${name}\n`;
  let length = Buffer.byteLength(record(0));
  while (Buffer.byteLength(record(length)) !== length) length = Buffer.byteLength(record(length));
  const pax = Buffer.from(record(length));
  return [ustar('PaxHeader', '', pax.length, 'x'), pax, PADDING.subarray(0, padding(pax.length)), ustar(base.slice(0, 100), '', size, '0')];
}

function ustar(name: string, prefix: string, size: number, type: string): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136, 'latin1');
  h.write(type, 156, 'latin1');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  h.write(prefix, 345, 155, 'utf8');
  // The checksum: the sum of the header's bytes, its own field counted as eight spaces.
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}
