import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { writeZip, type ZipEntry } from '../../src/pipelines/adatrap/zip.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sat-zip-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

// Rows like a CSV output: compressible, not trivially.
function csv(rows: number, seed: number): string {
  let x = seed;
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    lines.push(`${i};BUS-${x % 997};-33.${x % 1000000};-70.${(x >> 3) % 1000000};${x % 60}`);
  }
  return `${lines.join('\n')}\n`;
}

function entriesOf(files: Record<string, string>): ZipEntry[] {
  return Object.entries(files).map(([name, text]) => {
    const path = join(dir, `in-${name}`);
    writeFileSync(path, text);
    return { name, path };
  });
}

async function zip(entries: ZipEntry[], name: string, zip64From?: number): Promise<Buffer> {
  const path = join(dir, name);
  await writeZip(entries, [createWriteStream(path)], path, { mtime: new Date('2021-04-22T00:00:00Z'), signal: new AbortController().signal, ...(zip64From === undefined ? {} : { zip64From }) });
  return readFileSync(path);
}

interface Read {
  name: string;
  text: string;
  crcOk: boolean;
  mtime: Date;
  mode: number;
}

// Every entry as yauzl reads it (it checks sizes and names, not CRCs: the test compares those itself).
function read(zipBytes: Buffer): Promise<Read[]> {
  return new Promise((resolve, reject) => {
    const found: Read[] = [];
    yauzl.fromBuffer(zipBytes, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (error, file) => {
      if (error) return reject(error);
      file!.on('error', reject);
      file!.on('entry', (entry: yauzl.Entry) => {
        file!.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks: Buffer[] = [];
          stream!.on('data', (c: Buffer) => chunks.push(c));
          stream!.on('error', reject);
          stream!.on('end', () => {
            const body = Buffer.concat(chunks);
            found.push({ name: entry.fileName, text: body.toString(), crcOk: crc32(body) === entry.crc32, mtime: entry.getLastModDate({ forceDosFormat: true, timezone: 'UTC' }), mode: entry.externalFileAttributes >>> 16 });
            file!.readEntry();
          });
        });
      });
      file!.on('end', () => resolve(found));
      file!.readEntry();
    });
  });
}

const FILES = { '2021-04-22.viajes': csv(20_000, 1), '2021-04-22.etapas': csv(5_000, 2), '2021-04-22.general': 'fecha;2021-04-22\n' };

describe('the archive zip', () => {
  it('holds every entry deflated, in the order given, with its CRC-32, mode 0644 and the day as its time', async () => {
    const bytes = await zip(entriesOf(FILES), 'a.zip');
    const total = Object.values(FILES).reduce((n, t) => n + t.length, 0);
    expect(bytes.length).toBeLessThan(total / 2);
    const entries = await read(bytes);
    expect(entries.map((e) => e.name)).toEqual(Object.keys(FILES));
    for (const e of entries) {
      expect(e.text).toBe(FILES[e.name as keyof typeof FILES]);
      expect(e.crcOk).toBe(true);
      expect(e.mode).toBe(0o100644);
      expect(e.mtime.toISOString()).toBe('2021-04-22T00:00:00.000Z');
    }
    // Its pieces were deflated beside it and are gone.
    expect(readdirSync(dir).filter((f) => f.startsWith('a.zip'))).toEqual(['a.zip']);
  });

  it('makes the same bytes from the same files, whenever and wherever it runs', async () => {
    const entries = entriesOf(FILES);
    const a = await zip(entries, 'a.zip');
    const b = await zip(entries, 'b.zip');
    expect(createHash('sha256').update(b).digest('hex')).toBe(createHash('sha256').update(a).digest('hex'));
    const changed = entriesOf({ ...FILES, '2021-04-22.general': 'fecha;2021-04-23\n' });
    expect((await zip(changed, 'c.zip')).equals(a)).toBe(false);
  });

  it('writes zip64 records where sizes or offsets need them, which readers follow', async () => {
    // From 1 byte up every size and offset is "large": each entry and the end take their zip64 form.
    const bytes = await zip(entriesOf(FILES), 'z.zip', 1);
    expect(bytes.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true); // the zip64 end of central directory
    const entries = await read(bytes);
    expect(entries.map((e) => [e.name, e.text, e.crcOk])).toEqual(Object.entries(FILES).map(([n, t]) => [n, t, true]));
  });

  it('an empty list makes an empty zip that readers open', async () => {
    expect(await read(await zip([], 'e.zip'))).toEqual([]);
  });
});
