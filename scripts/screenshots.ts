// npm run screenshots: docs/images/*.png made again, from a demo state store filled by real runs of `main` in a
// throwaway folder: three command processes (one fails, one fails its integrity check) and five days of a scan
// against a stand-in MRTG server on loopback with a day-and-night traffic curve. Then `main serve` and Debian's
// chromium (playwright-core, as the browser tests drive it) take the pictures the README and docs/console.md show.
// Needs chromium (apt-get install chromium, or CHROMIUM_PATH); everything it starts ends and is removed at the end.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { mrtgLog, type Row } from '../test/helpers/mrtg.js';
import { ScanServer } from '../test/helpers/scan-server.js';

const IMAGES = join(import.meta.dirname, '..', 'docs', 'images');
// The built main (npm run screenshots builds it first), run in the throwaway folder.
const MAIN = join(import.meta.dirname, '..', 'dist', 'main.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DAYS = ['2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22'];

const stop = (message: string): never => {
  console.error(`npm run screenshots: ${message}`);
  process.exit(1);
};
if (!existsSync(CHROMIUM)) stop(`chromium is not installed (no ${CHROMIUM}): on Debian run \`apt-get install -y chromium\`, or set CHROMIUM_PATH`);

const PROCESSES = `
nightly_backup:
  type: command
  run: { argv: [node, -e, "console.log('copied 1,284 rows of metrics')"] }
archive_sync:
  type: command
  run: { argv: [node, -e, "console.error('rsync: write failed on /mnt/archive: No space left on device (28)'); process.exit(11)"] }
verified_export:
  type: command
  run: { argv: [node, -e, "0"] }
  verify: { argv: [node, -e, "console.error('checksum mismatch in export.csv'); process.exit(1)"] }
`;

// A day and night of traffic in bytes/s: lowest at 04:00 UTC, highest at 16:00, a little steady noise, and each day
// of the week a bit busier than the one before.
function traffic(peak: number, day: number): (epoch: number) => Row {
  return (epoch) => {
    const hour = (epoch % 86_400) / 3600;
    const curve = 0.25 + 0.75 * (1 - Math.cos((2 * Math.PI * (hour - 4)) / 24)) / 2;
    const noise = 0.9 + 0.2 * Math.abs(Math.sin(epoch * 12.9898) * 43758.5453 % 1);
    const level = peak * curve * noise * (1 + 0.05 * day);
    return [Math.round(level), Math.round(level * 0.35), Math.round(level * 1.15), Math.round(level * 0.4)];
  };
}
const INTERFACES = [
  { name: 'core-1/0/1', capacity: 10, vendor: 'HUAWEI', peak: 700e6 },
  { name: 'edge-2', capacity: 1, vendor: 'CISCO', peak: 70e6 },
  { name: 'transit-3', capacity: 10, vendor: 'JUNIPER', peak: 300e6 },
];

const work = mkdtempSync(join(tmpdir(), 'sat-screenshots-'));
const mrtg = await ScanServer.start();
let browser: Browser | undefined;
let serving: ReturnType<typeof spawn> | undefined;
let failure: string | undefined;

// Not spawnSync: the stand-in MRTG server answers from this process's event loop.
function main(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { cwd: work, encoding: 'utf8' }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

try {
  mkdirSync(join(work, 'config'));
  mkdirSync(join(work, 'sources/SCAN'), { recursive: true });
  writeFileSync(join(work, 'config/jobs.yaml'), PROCESSES);
  writeFileSync(join(work, 'config/scan.yaml'), 'border_traffic:\n  type: scan\n  layers: [BORDE]\n  retries: 0\n');
  const source = () => INTERFACES.map((i) => `${mrtg.url}/mrtg/${encodeURIComponent(i.name)}.log;${i.name};${i.capacity};${i.vendor}`).join('\n') + '\n';
  writeFileSync(join(work, 'sources/SCAN/BORDE'), source());
  // Each day from a log as MRTG holds it the next morning (its five-minute rows reach back 50 hours).
  for (const [n, date] of DAYS.entries()) {
    const now = Date.parse(`${date}T00:00:00Z`) / 1000 + 86_400 + 4 * 3600;
    for (const i of INTERFACES) mrtg.serve(`/mrtg/${i.name}.log`, { body: mrtgLog(now, traffic(i.peak, n)) });
    const scan = await main(['--only', 'border_traffic', '--date', date]);
    if (scan.code !== 0) throw new Error(`the scan of ${date} failed (exit ${scan.code}): ${scan.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  }
  let failedRun = '';
  for (let n = 0; n < 3; n++) {
    const run = await main(['--json', '--only', 'nightly_backup,archive_sync,verified_export']);
    failedRun = (JSON.parse(run.stdout) as { runId: string }).runId;
  }

  serving = spawn(process.execPath, [MAIN, 'serve', '--port', '0'], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    serving!.stderr!.on('data', (d) => {
      err += d;
      const m = /console at (http:\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    serving!.on('exit', (code) => reject(new Error(`main serve ended (exit ${code}): ${err}`)));
  });

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const shoot = async (address: string, file: string) => {
    await page.goto(address, { waitUntil: 'load' });
    await page.screenshot({ path: join(IMAGES, file), fullPage: true });
    console.log(`docs/images/${file}: ${address.replace(url, '/')}`);
  };
  mkdirSync(IMAGES, { recursive: true });
  await shoot(`${url}runs/${encodeURIComponent(failedRun)}`, 'console-run.png');
  await shoot(`${url}scan/BORDE/${DAYS.at(-1)}`, 'console-scan-day.png');
  await shoot(`${url}scan/BORDE/interfaces/${encodeURIComponent('core-1/0/1')}`, 'console-scan-interface.png');
  await shoot(pathToFileURL(join(work, `data/SCAN/DAILY_SUMMARY/BORDE/${DAYS.at(-1)}.html`)).href, 'scan-report-day.png');
} catch (error) {
  failure = (error as Error).message;
} finally {
  await browser?.close();
  if (serving && serving.exitCode === null) {
    const ended = new Promise((resolve) => serving!.once('exit', resolve));
    serving.kill('SIGTERM');
    await ended;
  }
  await mrtg.stop();
  rmSync(work, { recursive: true, force: true });
}
if (failure) stop(failure);
