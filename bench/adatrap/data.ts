// The benchmark's day: rows in the layout of ADATRAP's inputs (GPS pings, the 1.96 validator report, card
// transactions), generated from a seeded PRNG so that every run makes the same bytes. Like real CSV they
// compress about 3-4 × with gzip -6: repeated words and dates, digits that vary (coordinates, ids, times).
// Written gzipped as members of about 8 MiB, compressed two at a time on the thread pool (the way bgzip writes
// files): gunzip reads a multi-member file as one, and the seeding takes half the time of one gzip stream.
import { createWriteStream } from 'node:fs';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const CHUNK_BYTES = 8 * 1024 * 1024;

export type Kind = 'gps' | '196' | 'trx';

// xorshift32: fast, and the same sequence for the same seed.
function prng(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const PLATES = Array.from({ length: 6500 }, (_, i) => `${String.fromCharCode(66 + (i % 20), 70 + ((i >> 3) % 18), 72 + ((i >> 5) % 16), 74 + ((i >> 7) % 14))}-${pad(10 + (i % 90))}`);
const SERVICES = Array.from({ length: 380 }, (_, i) => `${['T', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J'][i % 10]}${100 + i}${i % 3 === 0 ? 'c' : ''} ${i % 2 ? 'I' : 'R'}00`);
const OPERATORS = ['Alsacia', 'Subus', 'Vule', 'Express', 'Metbus', 'Redbus', 'STP', 'Metro'];

// One row of the given kind, for a second of the day.
function row(kind: Kind, r: () => number, day: string, second: number): string {
  const time = `${day} ${pad(Math.floor(second / 3600))}:${pad(Math.floor(second / 60) % 60)}:${pad(second % 60)}`;
  const bus = Math.floor(r() * PLATES.length);
  if (kind === 'gps') {
    const lat = (-33.3 - r() * 0.35).toFixed(6);
    const lon = (-70.5 - r() * 0.35).toFixed(6);
    return `${bus + 1000};${PLATES[bus]};${time};${lat};${lon};${(r() * 60).toFixed(1)};${Math.floor(r() * 360)};${Math.floor(r() * 9e6)};1\n`;
  }
  if (kind === '196') {
    return `${PLATES[bus]};${Math.floor(r() * 2e7) + 1e7};${time};PA${Math.floor(r() * 12000)};${SERVICES[bus % SERVICES.length]};${OPERATORS[bus % OPERATORS.length]};${r() < 0.97 ? 'OK' : 'SIN_GPS'}\n`;
  }
  const card = (Math.floor(r() * 9e9) + 1e9).toString(16).toUpperCase().padStart(10, '0');
  return `${card}${pad(Math.floor(r() * 1e6), 6)};${time};${Math.floor(r() * 2e7) + 1e7};${OPERATORS[bus % OPERATORS.length]};${SERVICES[bus % SERVICES.length]};${r() < 0.8 ? 800 : r() < 0.5 ? 0 : 230};${r() < 0.7 ? 'ADULTO' : r() < 0.6 ? 'ESTUDIANTE' : 'ADULTO_MAYOR'}\n`;
}

// About `bytes` bytes of rows of a kind (whole rows), gzipped into `path`. Returns the bytes before and after.
export async function writeGzippedDay(path: string, kind: Kind, day: string, bytes: number, seed: number): Promise<{ raw: number; gzipped: number }> {
  const r = prng(seed);
  const out = createWriteStream(path);
  let raw = 0;
  let gzipped = 0;
  let line = 0;
  const chunks = Math.max(1, Math.ceil(bytes / CHUNK_BYTES));
  const approxRows = bytes / 90;
  let pending: Promise<Buffer> | undefined;
  const flush = async (p: Promise<Buffer>) => {
    const member = await p;
    gzipped += member.length;
    if (!out.write(member)) await new Promise<void>((ok) => out.once("drain", () => ok()));
  };
  for (let c = 0; c < chunks; c++) {
    const want = Math.min(CHUNK_BYTES, bytes - raw);
    const parts: string[] = [];
    let size = 0;
    while (size < want) {
      const text = row(kind, r, day, Math.min(86_399, Math.floor((line++ / approxRows) * 86_400)));
      parts.push(text);
      size += text.length;
    }
    raw += size;
    // Generate the next chunk while the thread pool compresses this one.
    const compressing = gzipAsync(Buffer.from(parts.join(''), 'latin1'));
    if (pending) await flush(pending);
    pending = compressing;
  }
  if (pending) await flush(pending);
  await new Promise<void>((ok, fail) => out.end((e?: Error | null) => (e ? fail(e) : ok())));
  return { raw, gzipped };
}
