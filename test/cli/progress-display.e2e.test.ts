import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAIN, quote, runUnderTerminal, Workspace } from '../helpers/cli.js';
import { mrtgLog } from '../helpers/mrtg.js';
import { ScanServer } from '../helpers/scan-server.js';

// The real CLI under a pseudo-terminal (util-linux `script`), on a scan process whose 12 interfaces take
// 150 ms each, one at a time: about two seconds of progress.
const DATE = '2026-11-22';
const NOW = Date.UTC(2026, 10, 23, 4) / 1000;
const INTERFACES = 12;

let scan: ScanServer;
let ws: Workspace;
beforeAll(async () => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('util-linux `script` is needed to run the CLI under a pseudo-terminal: apt-get install bsdutils');
  }
  scan = await ScanServer.start();
});
afterAll(async () => scan?.stop());
beforeEach(() => {
  ws = new Workspace();
  const body = mrtgLog(NOW, () => [1000, 500, 1001, 600]);
  const lines = Array.from({ length: INTERFACES }, (_, i) => `${scan.serve(`/mrtg/if-${i}.log`, { body, delayMs: 150 })};if-${i};10;HUAWEI`);
  ws.write('sources/SCAN/BORDE', `${lines.join('\n')}\n`);
  ws.write('config/scan.yaml', 'nightly_scan:\n  type: scan\n  layers: [BORDE]\n  retries: 0\n  concurrency: 1\n');
});
afterEach(() => ws.remove());

const underTerminal = (shell: string, env: NodeJS.ProcessEnv = {}) => runUnderTerminal(shell, ws.dir, env);

const main = `${quote(process.execPath)} ${quote(MAIN)} --date ${DATE}`;

describe('the progress display of a real run', () => {
  it('shows a live line per running process on a terminal, and clears it at the end', async () => {
    const { code, screen } = await underTerminal(main);
    expect(code, screen).toBe(0);
    // The live line, drawn over and over with the interfaces done, each time after clearing the last one.
    expect(screen).toMatch(/\x1b\[\?25l/);
    expect(screen).toMatch(/\r\x1b\[1A\x1b\[Jnightly_scan {2}\[#+\.*\] {2} ?\d+\/12 interfaces {2}0:0\d/);
    expect(screen).toContain('nightly_scan  [############################]  12/12 interfaces  0:0');
    const frames = screen.match(/nightly_scan {2}\[[#.]+\] {2} ?(\d+)\/12 interfaces/g) ?? [];
    expect(new Set(frames).size).toBeGreaterThanOrEqual(3);
    // Log lines are whole: a live line never ends up inside one.
    const logLines = screen.split(/\r?\n/).filter((l) => /INFO {2}nightly_scan \(scan\)/.test(l));
    expect(logLines.some((l) => l.includes('nightly_scan (scan): Finished: success in '))).toBe(true);
    for (const line of logLines) expect(line.replace(/^(\r|\x1b\[\d*[AJ])+/, '')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO {2}nightly_scan \(scan\): [^\x1b]*$/);
    // The live area is gone and the cursor back before the summary table is printed.
    const end = screen.lastIndexOf('\x1b[?25h');
    expect(end).toBeGreaterThan(screen.lastIndexOf('interfaces'));
    expect(screen.indexOf('PROCESS ', end)).toBeGreaterThan(end);
  });

  it('stays out of stderr when it is not a terminal: no carriage return, no escape code', async () => {
    const { code, screen } = await underTerminal(`${main} 2>err.log`);
    expect(code, screen).toBe(0);
    const log = ws.read('err.log');
    expect(log).toContain('nightly_scan (scan): Finished: success');
    expect(log).not.toContain('\r');
    expect(log).not.toContain('\x1b[');
    expect(log).not.toContain('interfaces  0:0');
    // stdout is still the terminal, with the table.
    expect(screen).toContain('nightly_scan  scan  SUCCESS');
  });

  it('draws no live area with TERM=dumb', async () => {
    const { code, screen } = await underTerminal(main, { TERM: 'dumb' });
    expect(code, screen).toBe(0);
    expect(screen).toContain('nightly_scan (scan): Finished: success');
    expect(screen).not.toContain('\x1b[');
    expect(screen).not.toContain('/12 interfaces');
  });
});
