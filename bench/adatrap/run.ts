// bench/adatrap — the figures of issue 15, in one run:
//   a day with 2 GiB of inputs (GPS, 1.96 and transactions as CSV, stored gzipped, see data.ts) on a local S3
//   server (s3rver, started as the tests start it); the whole `adatrap` process through `main`: download and
//   gunzip, the stand-in program copying its inputs into its outputs (FAKE_ADATRAP=sized), outputs checked,
//   zipped, uploaded and verified by HEAD; then, in the same run, the server's own single-stream GET of the
//   objects the process downloaded and PUT of the archive it uploaded.
// MB/s (MB = 2^20 bytes) counts the bytes that crossed the S3 API (objects downloaded + archive uploaded) over
// the seconds of the whole `main` command (start to exit); the server's figure counts the same bytes over the
// seconds of its GETs and PUT, one request at a time. Targets: ratio >= 0.7, the child's peak RSS < 300 MB.
// Run: npm run bench:adatrap   (BENCH_MB sets the inputs' unpacked size, default 2048; the gzipped inputs are
// kept in ~/.cache/sysadmintoolkit/bench-adatrap/ between runs, BENCH_CACHE names another folder)
import { execFile } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { RunSummary } from '../../src/core/result.js';
import { BUCKETS, dayProcess, seedDay } from '../../test/helpers/adatrap-day.js';
import { S3Server } from '../../test/helpers/s3-server.js';
import { writeGzippedDay, type Kind } from './data.js';

const MAIN = process.env.BENCH_MAIN ?? fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const CPU_REPORT = fileURLToPath(new URL('../scan/cpu-report.mjs', import.meta.url));
const DAY = '2021-04-22';
const MB = 1024 * 1024;
const TOTAL_MB = Number(process.env.BENCH_MB ?? 2048);
// A day's share of each input, as in Santiago: GPS and transactions large, the 1.96 report smaller.
const SHARES: Record<Kind, number> = { gps: 0.45, '196': 0.1, trx: 0.45 };
const BUCKET_OF: Record<Kind, string> = { gps: 'adatrap-gps', '196': 'adatrap-196', trx: 'adatrap-trx' };
const cache = process.env.BENCH_CACHE ?? join(homedir(), '.cache/sysadmintoolkit/bench-adatrap', `${TOTAL_MB}MB`);
const work = mkdtempSync(join(tmpdir(), 'sat-bench-adatrap-'));
const mb = (bytes: number) => (bytes / MB).toFixed(0);
const s = (seconds: number) => `${seconds.toFixed(1)} s`;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

const s3 = await S3Server.start(BUCKETS);
try {
  console.log(`bench/adatrap on ${cpus().length} cores, node ${process.version}, load average ${load()}: a day of ${TOTAL_MB} MB of inputs (unpacked) on s3rver at ${s3.endpoint}\n`);
  const inputs = await seedInputs();
  await seedDay(s3, DAY, { poDay: '2021-04-19', dictFrom: '2021-04-01', dictTo: '2021-06-30' });
  const client = s3.client();
  for (const i of inputs) {
    // Over the small inputs seedDay wrote: the day's own big ones, streamed from the cache.
    await client.send(new PutObjectCommand({ Bucket: BUCKET_OF[i.kind], Key: `${DAY}.${i.kind}.gz`, Body: createReadStream(i.path), ContentLength: i.gzipped }));
  }
  for (const i of inputs) console.log(`input ${DAY}.${i.kind}.gz: ${mb(i.raw)} MB of CSV, ${mb(i.gzipped)} MB gzipped (${(i.raw / i.gzipped).toFixed(2)} ×)`);

  mkdirSync(join(work, 'config'));
  // keep_work: always, so that the server's PUT below sends the very archive the process sent. The program (a
  // Node script) is kept from the CPU report preloaded into main and its child.
  const config = dayProcess(s3, 'work', { keep_work: 'always', run: { where: 'local', env: { NODE_OPTIONS: '' } } });
  writeFileSync(join(work, 'config/adatrap.yaml'), `bench_day: ${JSON.stringify(config)}\n`);
  const loadBefore = load();
  const t0 = performance.now();
  // The child reports its own CPU time at exit (bench/scan's cpu-report.mjs); BENCH_CPU_PROF=<dir> adds V8 profiles.
  const cpuFile = join(work, 'cpu.jsonl');
  const env = {
    ...process.env,
    FAKE_ADATRAP: 'sized',
    SAT_BENCH_CPU_FILE: cpuFile,
    ...(process.env.BENCH_CPU_PROF ? { SAT_BENCH_CPU_PROF: process.env.BENCH_CPU_PROF } : {}),
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(CPU_REPORT).href}`,
  };
  const r = await promisify(execFile)(process.execPath, [MAIN, '--json', '--date', DAY], { cwd: work, env, encoding: 'utf8', maxBuffer: 64 * MB });
  const wall = (performance.now() - t0) / 1000;
  const loadAfter = load();
  const p = (JSON.parse(r.stdout) as RunSummary).processes[0]!;
  if (p.status !== 'success') throw new Error(`the adatrap process did not succeed: ${JSON.stringify(p.error ?? p)}`);
  const peak = Number(/peak memory (\d+) MB/.exec(r.stderr)?.[1]);
  const got = gotObjects(p.integrity?.checks ?? []);
  const archive = p.integrity!.checks.find((c) => c.name === 'archive')!.expected as { bytes: number; sha256: string };
  const moved = got.reduce((n, o) => n + o.bytes, 0) + archive.bytes;
  const outputs = p.integrity!.checks.filter((c) => c.name.startsWith('output ')).reduce((n, c) => n + Number(/^(\d+) bytes/.exec(String(c.actual))?.[1] ?? 0), 0);
  console.log(`\nthe adatrap process: ${got.length} objects downloaded (${mb(moved - archive.bytes)} MB), ${mb(outputs)} MB of outputs zipped into ${mb(archive.bytes)} MB, uploaded and verified`);
  const step = steps(join(work, 'data/logs/sysadmintoolkit.jsonl'));
  console.log(`  its steps, from its log: start-up ${s(step.startUp)}, inputs (download, gunzip, SHA-256) ${s(step.inputs)}, program ${s(step.program)}, outputs checked and zipped ${s(step.zip)}, upload and HEAD ${s(step.upload)}`);
  const child = readFileSync(cpuFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { role: string; userUs: number; systemUs: number }).find((c) => c.role === 'child');
  if (child) console.log(`  CPU of the child (the kind, its thread pool included, the program not): ${((child.userUs + child.systemUs) / 1e6).toFixed(2)} s (user ${(child.userUs / 1e6).toFixed(2)} s, system ${(child.systemUs / 1e6).toFixed(2)} s)`);

  // The server alone, one request at a time: the same objects down (the body read and dropped), the archive up.
  const archivePath = join(work, 'work', 'bench_day', DAY, 'downloads', `archive-${DAY}.zip`);
  if (statSync(archivePath).size !== archive.bytes) throw new Error(`${archivePath} is not the archive the process sent`);
  const g0 = performance.now();
  for (const o of got) {
    const res = await client.send(new GetObjectCommand({ Bucket: o.bucket, Key: o.key }));
    await pipeline(res.Body as NodeJS.ReadableStream, new Writable({ write: (_c, _e, done) => done() }));
  }
  const getSeconds = (performance.now() - g0) / 1000;
  const u0 = performance.now();
  await client.send(new PutObjectCommand({ Bucket: 'adatrap-out', Key: 'reference-put.zip', Body: createReadStream(archivePath), ContentLength: archive.bytes }));
  const putSeconds = (performance.now() - u0) / 1000;
  client.destroy();

  const ours = moved / MB / wall;
  const server = moved / MB / (getSeconds + putSeconds);
  console.log(`\nload average: ${loadBefore} before the process, ${loadAfter} after it, ${load()} after the server's requests`);
  console.log(`MB/s = bytes through the S3 API (${mb(moved)} MB: ${mb(moved - archive.bytes)} MB of objects downloaded + ${mb(archive.bytes)} MB of archive uploaded) / seconds`);
  console.log(`the process via main:        ${ours.toFixed(1)} MB/s   (${wall.toFixed(2)} s for the whole command; ${(p.durationMs / 1000).toFixed(2)} s in the process; ${(TOTAL_MB / wall).toFixed(1)} MB/s of unpacked input)`);
  console.log(`s3rver, single-stream:       ${server.toFixed(1)} MB/s   (GET ${getSeconds.toFixed(2)} s = ${((moved - archive.bytes) / MB / getSeconds).toFixed(1)} MB/s, PUT ${putSeconds.toFixed(2)} s = ${(archive.bytes / MB / putSeconds).toFixed(1)} MB/s)`);
  console.log(`ratio:                       ${(ours / server).toFixed(2)}   target >= 0.70   ${ours / server >= 0.7 ? 'MET' : 'MISSED'}`);
  const downloaded = (moved - archive.bytes) / MB;
  console.log(`by step: the inputs step ${(downloaded / step.inputs).toFixed(1)} MB/s against GET's ${(downloaded / getSeconds).toFixed(1)} (${(getSeconds / step.inputs).toFixed(2)}), the upload step (multipart, ${mb(16 * MB)} MB parts, 4 at once, and HEAD) ${(archive.bytes / MB / step.upload).toFixed(1)} MB/s against PUT's ${(archive.bytes / MB / putSeconds).toFixed(1)} (${(putSeconds / step.upload).toFixed(2)})`);
  console.log(`child peak RSS:              ${peak} MB   target < 300 MB   ${peak < 300 ? 'MET' : 'MISSED'}`);
} finally {
  await s3.stop();
  if (process.env.BENCH_KEEP) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

interface Seeded {
  kind: Kind;
  path: string;
  raw: number;
  gzipped: number;
}

// The gzipped inputs, generated once into the cache (a few minutes for 2 GiB on a busy machine), then reused.
async function seedInputs(): Promise<Seeded[]> {
  mkdirSync(cache, { recursive: true });
  const seeded: Seeded[] = [];
  for (const [i, kind] of (['gps', '196', 'trx'] as const).entries()) {
    const path = join(cache, `${DAY}.${kind}.gz`);
    const sizes = `${path}.json`;
    if (!existsSync(sizes)) {
      const t = performance.now();
      const made = await writeGzippedDay(`${path}.part`, kind, DAY, Math.round(TOTAL_MB * MB * SHARES[kind]), 15 + i);
      renameSync(`${path}.part`, path);
      writeFileSync(sizes, JSON.stringify(made));
      console.log(`generated ${path} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    seeded.push({ kind, path, ...(JSON.parse(readFileSync(sizes, 'utf8')) as { raw: number; gzipped: number }) });
  }
  return seeded;
}

// Where the process's time went, from its log: the seconds between the lines that start each step.
function steps(logFile: string): Record<'startUp' | 'inputs' | 'program' | 'zip' | 'upload', number> {
  const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { message: string; timestamp: string; process?: string });
  const at = (re: RegExp) => Date.parse(lines.find((l) => l.process && re.test(l.message))?.timestamp ?? '') / 1000;
  const [start, processing, running, ran, uploading, end] = [/./, /^Processing /, /^Running /, /^fake ADATRAP: done/, /^Uploading /, /^Finished/].map(at) as number[];
  return { startUp: processing! - start!, inputs: running! - processing!, program: ran! - running!, zip: uploading! - ran!, upload: end! - uploading! };
}

interface Got {
  bucket: string;
  key: string;
  bytes: number;
}

// The objects the process downloaded, from its integrity checks: the inputs, the executable and its parameters.
function gotObjects(checks: { name: string; actual?: unknown; detail?: string }[]): Got[] {
  const parse = (uri: string, bytes: number): Got => {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri)!;
    return { bucket: m[1]!, key: m[2]!, bytes };
  };
  const got: Got[] = [];
  for (const c of checks) {
    if (c.name.startsWith('input ')) {
      const a = c.actual as { key: string; bytes: number };
      got.push(parse(a.key, a.bytes));
    } else if (c.name === 'executable' || c.name === 'parameters template') {
      const m = /^(s3:\/\/\S+), (\d+) bytes$/.exec(c.detail ?? '')!;
      got.push(parse(m[1]!, Number(m[2])));
    }
  }
  return got;
}
