// bench/logs — the figures of issue 5, in one run:
//   a generated 1,000,000-line nginx "combined" log; this pipeline end to end (parse, store every entry,
//   statistics, templates, report) against GoAccess on the same file (`--log-format=COMBINED -o report.json`);
//   the child's peak RSS; and MB/s for a 1 GB file through `logs send` → `logs serve` on loopback, hashed.
// Targets: ≥ 3 × GoAccess's lines/s, peak RSS ≤ 300 MB, transfer ≥ 200 MB/s.
// Run: npm run bench:logs   (BENCH_LINES and BENCH_TRANSFER_MB change the sizes)
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RunSummary } from '../../src/core/result.js';
import { nginxCombined } from '../../test/helpers/log-lines.js';
import { measureTransfer } from './transfer.js';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const LINES = Number(process.env.BENCH_LINES ?? 1_000_000);
const TRANSFER_MB = Number(process.env.BENCH_TRANSFER_MB ?? 1024);
const work = mkdtempSync(join(tmpdir(), 'sat-bench-logs-'));

try {
  console.log(`bench/logs on ${cpus().length} cores, node ${process.version}: ${LINES.toLocaleString('en')} nginx combined lines\n`);
  mkdirSync(join(work, 'logs'));
  mkdirSync(join(work, 'config'));
  const log = join(work, 'logs', 'access.log');
  // In pieces of 100,000 lines, so that generating does not need the whole text twice in memory.
  for (let done = 0; done < LINES; done += 100_000) {
    const n = Math.min(100_000, LINES - done);
    writeFileSync(log, nginxCombined(n, Date.UTC(2026, 10, 22) + Math.floor((done / LINES) * 86_400_000), done + 1).text, { flag: done ? 'a' : 'w' });
  }
  writeFileSync(join(work, 'config', 'web.yaml'), 'web:\n  type: logs\n  inputs: [logs/access.log]\n  format: nginx-combined\n');

  const started = Date.now();
  const main = await run(process.execPath, [MAIN, '--json', '-c', 'config'], { cwd: work, maxBuffer: 64 << 20 });
  const wall = (Date.now() - started) / 1000;
  const summary = JSON.parse(main.stdout) as RunSummary;
  const p = summary.processes[0]!;
  if (p.status !== 'success' || p.records?.written !== LINES) throw new Error(`the logs process did not store every line: ${JSON.stringify(p)}`);
  const seconds = p.durationMs / 1000;
  const peak = /peak memory (\d+) MB/.exec(main.stderr)?.[1];
  const ours = LINES / seconds;
  console.log(`(a) this pipeline: ${fmt(ours)} lines/s (${seconds.toFixed(2)} s in its child; ${wall.toFixed(2)} s for the whole command), peak RSS ${peak} MB (target ≤ 300)`);

  let goaccess: number | undefined;
  try {
    const t = Date.now();
    await run('goaccess', [log, '--log-format=COMBINED', '-o', join(work, 'report.json')], { cwd: work, maxBuffer: 64 << 20 });
    goaccess = LINES / ((Date.now() - t) / 1000);
    console.log(`(b) GoAccess ${(await run('goaccess', ['--version'])).stdout.split('\n')[0]!.trim()}: ${fmt(goaccess)} lines/s`);
  } catch (error) {
    console.log(`(b) GoAccess: not run (${(error as Error).message.split('\n')[0]}); install it with apt-get install -y goaccess`);
  }
  if (goaccess) console.log(`    (a)/(b) = ${(ours / goaccess).toFixed(2)} (target ≥ 3)`);

  const transfer = await measureTransfer(TRANSFER_MB * 1024 * 1024);
  console.log(`(c) logs send → logs serve, ${TRANSFER_MB} MB on loopback with SHA-256 both sides: ${transfer.mbPerSecond.toFixed(0)} MB/s in ${transfer.seconds.toFixed(2)} s (target ≥ 200)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en');
}
