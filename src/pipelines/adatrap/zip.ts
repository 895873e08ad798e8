import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, crc32, createDeflateRaw } from 'node:zlib';

// A zip written by hand rather than with yazl, for speed: yazl deflates its entries one after another and
// computes their CRC-32 in JavaScript, the slowest part of a day (docs/performance.md, adatrap). Here each
// entry is deflated into a file of its own, several at once on the thread pool (zlib runs there), with the
// CRC-32 of zlib; then the zip is laid out from those files. The bytes depend only on the entries (their order,
// names, contents) and the date given: the same outputs make the same zip. Zip64 records are written only where
// a size or an offset needs them, as yazl did.

export interface ZipEntry {
  /** The name in the zip. */
  name: string;
  /** The file on disk. */
  path: string;
}

export interface ZipOptions {
  /** Every entry's modification time (its day, so that the zip does not depend on when it was made). */
  mtime: Date;
  signal: AbortSignal;
  /** Sizes and offsets from this value up are written as zip64 (the tests lower it to check those records). */
  zip64From?: number;
}

// Z_BEST_SPEED: on CSV, about 2.8 times the speed of the default level 6 for archives 10 % larger (measured on
// the benchmark's data: docs/performance.md, adatrap).
const LEVEL = constants.Z_BEST_SPEED;
const MAX32 = 0xffffffff;
const UNIX_FILE_0644 = 0o100644;
// Made by: Unix (3), spec 4.5 (zip64). Needed: 2.0 (deflate), 4.5 with zip64 records.
const MADE_BY = (3 << 8) | 45;

interface Deflated {
  name: Buffer;
  crc: number;
  size: number;
  compressedSize: number;
  /** The raw deflate stream, beside the zip. */
  file: string;
}

// Writes the zip of `entries` through `stages` (the last one a file, say); its deflated pieces live in
// `${scratch}.<i>` until then.
export async function writeZip(entries: ZipEntry[], stages: NodeJS.WritableStream[], scratch: string, options: ZipOptions): Promise<void> {
  const deflated: Deflated[] = new Array(entries.length);
  try {
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < entries.length; i = next++) deflated[i] = await deflateEntry(entries[i]!, `${scratch}.${i}`, options.signal);
    };
    await Promise.all(Array.from({ length: Math.min(entries.length, Math.max(2, availableParallelism())) }, lane));
    await pipeline([Readable.from(layOut(deflated, options)), ...stages], { signal: options.signal });
  } finally {
    await Promise.all(entries.map((_, i) => rm(`${scratch}.${i}`, { force: true })));
  }
}

async function deflateEntry(entry: ZipEntry, file: string, signal: AbortSignal): Promise<Deflated> {
  let crc = 0;
  let size = 0;
  let compressedSize = 0;
  await pipeline(
    createReadStream(entry.path, { highWaterMark: 1 << 20 }),
    new Transform({ transform: (chunk: Buffer, _e, done) => ((crc = crc32(chunk, crc)), (size += chunk.length), done(null, chunk)) }),
    createDeflateRaw({ level: LEVEL, chunkSize: 1 << 18 }),
    new Transform({ transform: (chunk: Buffer, _e, done) => ((compressedSize += chunk.length), done(null, chunk)) }),
    createWriteStream(file),
    { signal },
  );
  return { name: Buffer.from(entry.name, 'utf8'), crc, size, compressedSize, file };
}

// The zip's bytes in order: each entry's local header and data, then the central directory and its end.
async function* layOut(entries: Deflated[], options: ZipOptions): AsyncGenerator<Buffer> {
  const big = (n: number) => n >= (options.zip64From ?? MAX32);
  const { time, date } = dosDateTime(options.mtime);
  const unixTime = Math.floor(options.mtime.getTime() / 1000);
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const zip64 = big(e.size) || big(e.compressedSize) || big(offset);
    const timestamp = extendedTimestamp(unixTime);
    const localExtra = zip64 ? Buffer.concat([zip64Extra([e.size, e.compressedSize]), timestamp]) : timestamp;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(zip64 ? 45 : 20, 4);
    local.writeUInt16LE(0x0800, 6); // names in UTF-8
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(e.crc, 14);
    local.writeUInt32LE(zip64 ? MAX32 : e.compressedSize, 18);
    local.writeUInt32LE(zip64 ? MAX32 : e.size, 22);
    local.writeUInt16LE(e.name.length, 26);
    local.writeUInt16LE(localExtra.length, 28);
    yield Buffer.concat([local, e.name, localExtra]);
    for await (const chunk of createReadStream(e.file, { highWaterMark: 1 << 20, signal: options.signal })) yield chunk as Buffer;

    const centralExtra = zip64 ? Buffer.concat([zip64Extra([e.size, e.compressedSize, offset]), timestamp]) : timestamp;
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(MADE_BY, 4);
    local.copy(header, 6, 4, 26); // version needed … uncompressed size: as in the local header
    header.writeUInt16LE(e.name.length, 28);
    header.writeUInt16LE(centralExtra.length, 30);
    // comment length, disk number, internal attributes: 0
    header.writeUInt32LE((UNIX_FILE_0644 << 16) >>> 0, 38);
    header.writeUInt32LE(zip64 ? MAX32 : offset, 42);
    central.push(header, e.name, centralExtra);
    offset += local.length + e.name.length + localExtra.length + e.compressedSize;
  }
  const directory = Buffer.concat(central);
  yield directory;
  const zip64 = entries.length >= 0xffff || big(offset) || big(directory.length);
  if (zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4); // the size of the rest of the record
    record.writeUInt16LE(MADE_BY, 12);
    record.writeUInt16LE(45, 14);
    // this disk, the directory's disk: 0
    record.writeBigUInt64LE(BigInt(entries.length), 24);
    record.writeBigUInt64LE(BigInt(entries.length), 32);
    record.writeBigUInt64LE(BigInt(directory.length), 40);
    record.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + directory.length), 8);
    locator.writeUInt32LE(1, 16); // disks
    yield Buffer.concat([record, locator]);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(zip64 ? 0xffff : entries.length, 8);
  end.writeUInt16LE(zip64 ? 0xffff : entries.length, 10);
  end.writeUInt32LE(zip64 ? MAX32 : directory.length, 12);
  end.writeUInt32LE(zip64 ? MAX32 : offset, 16);
  yield end;
}

// The zip64 extra field: the 8-byte values whose 4-byte fields hold 0xffffffff, in the order of the spec.
function zip64Extra(values: number[]): Buffer {
  const b = Buffer.alloc(4 + 8 * values.length);
  b.writeUInt16LE(0x0001, 0);
  b.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), 4 + 8 * i));
  return b;
}

// The "UT" extra field: the modification time in Unix seconds, which unzip and others show in the reader's zone.
function extendedTimestamp(unixTime: number): Buffer {
  const b = Buffer.alloc(9);
  b.writeUInt16LE(0x5455, 0);
  b.writeUInt16LE(5, 2);
  b.writeUInt8(1, 4); // the modification time is present
  b.writeUInt32LE(unixTime >>> 0, 5);
  return b;
}

// MS-DOS date and time, from the UTC fields (the same zip in every time zone).
function dosDateTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | (d.getUTCSeconds() >> 1),
    date: ((Math.max(1980, d.getUTCFullYear()) - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}
