// bench/scan — the figures of issue 4, in one run:
//   a local HTTPS server holding 2,000 MRTG logs that adds 100 ms to every answer (a web platform over a WAN);
//   the whole `scan` process (collection, processing, storage) at concurrency 32, against the latency bound
//   2,000 × 100 ms / 32 = 6.25 s; and a sequential fetch of the same files, one at a time (the original's wget loop).
// Targets: the process within 1.1 × the bound, at least 20 × faster than sequential, the child's peak RSS < 300 MB,
// and the CPU the child spends per interface (user + system, from the child itself: see cpu-report.mjs).
// The floor of this machine, for the first: the same 2,000 fetches by curl at the same concurrency, doing nothing
// else (no Node process to start, nothing parsed or stored). The server shares the machine's cores with the client,
// so no client gets them all answered within the bound itself.
// Run: npm run bench:scan   (BENCH_SEQUENTIAL=200 fetches only that many sequentially and scales up: faster; 0 skips it)
// BENCH_MAIN=<path of another build's main.js> measures that build (before/after comparisons in one session);
// BENCH_CPU_PROF=<dir> writes a V8 CPU profile of main and of the child there (as node --cpu-prof would).
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import https from 'node:https';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mrtgLog } from '../../test/helpers/mrtg.js';
import { ScanServer } from '../../test/helpers/scan-server.js';

const MAIN = process.env.BENCH_MAIN ?? fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const CPU_REPORT = fileURLToPath(new URL('./cpu-report.mjs', import.meta.url));
const INTERFACES = 2000;
const DELAY_MS = 100;
const CONCURRENCY = 32;
const work = mkdtempSync(join(tmpdir(), 'sat-bench-scan-'));
const START = Date.UTC(2026, 10, 22) / 1000;
const NOW = START + 86_400 + 4 * 3600;

const server = await ScanServer.start({ tls: true, user: 'scan-reader', password: 'scan-reader-password', delayMs: DELAY_MS });
try {
  console.log(`bench/scan on ${cpus().length} cores, node ${process.version}: ${INTERFACES} interfaces, +${DELAY_MS} ms per answer, HTTPS with Basic auth\n`);
  const links: string[] = [];
  const layers = ['BORDE', 'BRAS', 'CACHING', 'RAI', 'IXP'];
  const sources: Record<string, string[]> = {};
  for (let i = 0; i < INTERFACES; i++) {
    const layer = layers[i % layers.length]!;
    const body = mrtgLog(NOW, (e) => [((e / 300) % 1000) * 1000 + i, 5000 + i, ((e / 300) % 1000) * 1000 + i + 7, 6000 + i]);
    const link = server.serve(`/mrtg/${layer}/if-${i}.log`, { body });
    links.push(link);
    (sources[layer] ??= []).push(`${link};if-${i};10;VENDOR${i % 3}`);
  }
  mkdirSync(join(work, 'sources/SCAN'), { recursive: true });
  for (const [layer, lines] of Object.entries(sources)) writeFileSync(join(work, 'sources/SCAN', layer), `${lines.join('\n')}\n`);
  mkdirSync(join(work, 'config'));
  writeFileSync(join(work, 'config/scan.yaml'), `bench_scan:\n  type: scan\n  layers: [${layers.join(', ')}]\n  credentials: { user: scan-reader, password: scan-reader-password }\n  tls_verify: false\n  concurrency: ${CONCURRENCY}\n`);

  const bound = (INTERFACES * DELAY_MS) / CONCURRENCY / 1000;
  // Every process of the command (main and the child that runs the kind) reports its own CPU time at exit.
  const cpuFile = join(work, 'cpu.jsonl');
  const env = {
    ...process.env,
    SAT_BENCH_CPU_FILE: cpuFile,
    ...(process.env.BENCH_CPU_PROF ? { SAT_BENCH_CPU_PROF: process.env.BENCH_CPU_PROF } : {}),
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(CPU_REPORT).href}`,
  };
  const t0 = performance.now();
  const startedAt = Date.now();
  // Asynchronously: the server answering the scan lives in this process (spawnSync would block it).
  const r = await promisify(execFile)(process.execPath, [MAIN, '--json', '--date', '2026-11-22'], { cwd: work, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wall = (performance.now() - t0) / 1000;
  const cpu = readFileSync(cpuFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { role: string; startedAt?: number; userUs: number; systemUs: number; gc?: object });
  const p = JSON.parse(r.stdout).processes[0];
  if (p.status !== 'success') throw new Error(`scan failed: ${JSON.stringify(p.error)}`);
  const log = readFileSync(join(work, 'data/logs/sysadmintoolkit.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const peak = log.find((l) => l.peakMemoryMb)?.peakMemoryMb;
  for (const line of log.filter((l) => /^(Collected|Summarised|Stored)/.test(l.message))) console.log(`  ${line.message}`);
  // Where the wall time goes: each step's log line, in seconds from the command's start.
  const at = (l: { timestamp: string }) => ((Date.parse(l.timestamp) - startedAt) / 1000).toFixed(2);
  const first = log.find((l) => /^Collecting/.test(l.message));
  const childStarted = cpu.find((c) => c.role === 'child')?.startedAt;
  const steps = [['main logged its first line', log[0]], ['the child process started', childStarted && { timestamp: new Date(childStarted).toISOString() }], ['the kind began (its first line)', first], ...log.filter((l) => /^(Collected|Stored)/.test(l.message)).map((l) => [l.message.split(' ')[0]!.toLowerCase(), l]), ['main logged its last line', log.at(-1)]] as Array<[string, { timestamp: string } | undefined]>;
  console.log(`timeline: ${steps.filter(([, l]) => l).map(([what, l]) => `${what} ${at(l!)} s`).join('; ')}; exit ${wall.toFixed(2)} s`);
  console.log(`the scan process, concurrency ${CONCURRENCY}: ${wall.toFixed(2)} s (whole command: collection, processing, storage of ${p.records.written.toLocaleString('en-US')} samples)`);
  console.log(`latency bound ${INTERFACES} × ${DELAY_MS} ms / ${CONCURRENCY}:   ${bound.toFixed(2)} s   ratio ${(wall / bound).toFixed(2)}   target <= 1.10   ${wall / bound <= 1.1 ? 'MET' : 'MISSED'}`);
  for (const role of ['child', 'main']) {
    const c = cpu.find((x) => x.role === role);
    if (!c) throw new Error(`no CPU time reported by the ${role} process`);
    const total = (c.userUs + c.systemUs) / 1e6;
    const per = role === 'child' ? `   ${((total * 1000) / INTERFACES).toFixed(2)} ms per interface` : '';
    console.log(`CPU of ${role === 'child' ? 'the child (the kind)' : 'main (the parent)  '}:  ${total.toFixed(2)} s (user ${(c.userUs / 1e6).toFixed(2)} s, system ${(c.systemUs / 1e6).toFixed(2)} s)${per}`);
    if (c.gc) console.log(`  its garbage collections: ${JSON.stringify(c.gc)}`);
  }
  const floor = await curlFloor(links, work);
  if (floor === undefined) console.log('the same fetches by curl: not measured, curl is not installed (apt-get install curl)');
  else {
    // The collection, from the kind's first line (its first fetches are out) to its "Collected" line.
    const collected = log.find((l) => /^Collected/.test(l.message));
    const collection = first && collected ? (Date.parse(collected.timestamp) - Date.parse(first.timestamp)) / 1000 : NaN;
    console.log(`the same fetches alone, by curl --parallel-max ${CONCURRENCY}: ${floor.toFixed(2)} s = ${(floor / bound).toFixed(2)} × the bound`);
    console.log(`  against it: the whole command ${(wall / floor).toFixed(2)} ×, the collection alone (${collection.toFixed(2)} s: fetched, parsed, stored) ${(collection / floor).toFixed(2)} ×`);
  }
  console.log(`child peak RSS:                    ${peak} MB   target < 300 MB   ${peak < 300 ? 'MET' : 'MISSED'}`);

  // One at a time, a new connection each, as `wget` in a shell loop does.
  const sample = Number(process.env.BENCH_SEQUENTIAL ?? INTERFACES);
  if (sample > 0) {
    const auth = `Basic ${Buffer.from('scan-reader:scan-reader-password').toString('base64')}`;
    const s0 = performance.now();
    for (const link of links.slice(0, sample)) {
      await new Promise<void>((resolve, reject) => {
        https.get(link, { agent: false, rejectUnauthorized: false, headers: { Authorization: auth } }, (res) => res.resume().on('end', resolve)).on('error', reject);
      });
    }
    const sequential = ((performance.now() - s0) / 1000) * (INTERFACES / sample);
    const scaled = sample < INTERFACES ? ` (${sample} fetched, scaled to ${INTERFACES})` : '';
    console.log(`sequential fetch, one at a time:   ${sequential.toFixed(1)} s${scaled}   speed-up ${(sequential / wall).toFixed(1)} ×   target >= 20 ×   ${sequential / wall >= 20 ? 'MET' : 'MISSED'}`);
  }
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}

// curl fetching every link, CONCURRENCY at a time over kept-alive connections, into /dev/null: seconds, or
// undefined without curl. The credentials go in curl's config file, not on its command line.
async function curlFloor(links: string[], dir: string): Promise<number | undefined> {
  const config = join(dir, 'curl.cfg');
  writeFileSync(config, `user = "scan-reader:scan-reader-password"\n${links.map((l) => `url = "${l}"\noutput = "/dev/null"`).join('\n')}\n`);
  const t0 = performance.now();
  const code = await new Promise<number | 'missing'>((resolve) => {
    const curl = spawn('curl', ['--silent', '--insecure', '--fail', '--parallel', '--parallel-immediate', '--parallel-max', String(CONCURRENCY), '--config', config], { stdio: 'ignore' });
    curl.on('error', () => resolve('missing')).on('close', (c) => resolve(c ?? 1));
  });
  if (code === 'missing') return undefined;
  if (code !== 0) throw new Error(`curl failed (exit ${code})`);
  return (performance.now() - t0) / 1000;
}
