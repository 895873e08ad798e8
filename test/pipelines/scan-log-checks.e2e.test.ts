import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { runCli, Workspace } from '../helpers/cli.js';
import { mrtgLog, newMrtgLog, type Row } from '../helpers/mrtg.js';
import { ScanServer } from '../helpers/scan-server.js';

// What `scan` does with logs MRTG never writes, rows out of order, thin days, a new log's zero fill and a day to come.
const DATE = '2026-11-22';
const START = Date.UTC(2026, 10, 22) / 1000;
const NOW = START + 86_400 + 4 * 3600; // line 2 is 04:00 the next day, line 50 is midnight
const steady = (): Row => [1000, 500, 1001, 600];

let ws: Workspace;
let scan: ScanServer;
beforeAll(async () => {
  scan = await ScanServer.start({ user: 'scanuser', password: 'Sc4n-Pa55word' });
});
afterAll(async () => scan?.stop());
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

// One layer's source file and the process, with `extra` keys.
function setUp(layer: string, lines: string[], extra = ''): void {
  ws.write(`sources/SCAN/${layer}`, `${lines.join('\n')}\n`);
  ws.write('config/scan.yaml', `nightly_scan:\n  type: scan\n  layers: [${layer}]\n  credentials: { user: scanuser, password: Sc4n-Pa55word }\n  retries: 0\n${extra}`);
}

async function runScan(date = DATE) {
  const { code, stdout, stderr } = await runCli(['--json', '--date', date], { cwd: ws.dir });
  if (!stdout.startsWith('{')) throw new Error(`no summary (exit ${code}): ${stderr}`);
  return { code, stderr, process: (JSON.parse(stdout) as RunSummary).processes[0]! };
}

// A good log with `text` put in as line `n`, or in place of it.
function withLine(n: number, text: string, insert = false): string {
  const lines = mrtgLog(NOW, steady).split('\n');
  lines.splice(n - 1, insert ? 0 : 1, text);
  return lines.join('\n');
}

describe('scan, on logs that are not what they should be', () => {
  it('fails an interface whose log holds a negative rate or a 400-digit value, naming link, line and value, and stores only the good one', async () => {
    const negative = scan.serve('/mrtg/negative.log', { body: withLine(100, `${NOW - 98 * 300} -5 500 1001 600`) });
    const huge = scan.serve('/mrtg/huge.log', { body: withLine(120, `${NOW - 118 * 300} 1000 ${'9'.repeat(400)} 1001 600`) });
    setUp('BORDE', [`${scan.serve('/mrtg/good.log', { body: mrtgLog(NOW, steady) })};good;10;HUAWEI`, `${negative};negative;10;HUAWEI`, `${huge};huge;10;HUAWEI`]);
    const { code, process, stderr } = await runScan();
    expect(code).toBe(1);
    expect(process.integrity?.checks[0]?.detail).toBe(
      `2 of 3 interfaces of BORDE failed: negative (${negative}:100: expected avg_in to be a whole number from 0 to 9007199254740991, got "-5"); ` +
        `huge (${huge}:120: expected avg_out to be a whole number from 0 to 9007199254740991, got "${'9'.repeat(40)}…" (400 characters))`,
    );
    expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    const db = new Database(ws.path('data/scan.db'), { readonly: true });
    expect(db.prepare('SELECT interface, count(*) AS n, max(avg_out) AS top FROM scan_samples GROUP BY interface').all()).toEqual([{ interface: 'good', n: 288, top: 500 }]);
    db.close();
    expect(ws.readAll('data')).not.toContain('Infinity');
  });

  it('skips a row out of order (300 1 1 1 1 as line 150), counts it as rejected, and collects the whole day', async () => {
    const link = scan.serve('/mrtg/core-1.log', { body: withLine(150, '300 1 1 1 1', true) });
    setUp('BORDE', [`${link};core-1;10;HUAWEI`]);
    const { code, process, stderr } = await runScan();
    expect(code).toBe(0);
    expect(process.records).toEqual({ read: 288, written: 288, rejected: 1 });
    expect(stderr).toContain(`BORDE core-1: 1 row(s) out of order skipped: ${link}:150 "300 1 1 1 1".`);
  });

  it('fails an interface with 12 of 288 samples under min_completeness 0.9, and takes it when min_completeness is 0', async () => {
    const lastHour = (e: number): Row | null => (e > START + 23 * 3600 ? steady() : null);
    setUp('BRAS', [`${scan.serve('/mrtg/thin.log', { body: mrtgLog(NOW, lastHour) })};thin;1;CISCO`]);
    const strict = await runScan();
    expect(strict.code).toBe(1);
    expect(strict.process.integrity?.checks[0]).toMatchObject({ name: 'completeness BRAS', ok: false, expected: 288, actual: 0 });
    expect(strict.process.integrity?.checks[0]?.detail).toBe(`1 of 1 interfaces of BRAS failed: thin (12 of 288 samples for ${DATE}, fewer than the 260 of min_completeness 0.9; missing 00:00-23:00)`);
    expect(ws.exists(`data/SCAN/BRAS/${DATE}/thin.log`)).toBe(false);
    expect(ws.exists(`data/SCAN/BRAS/${DATE}.tar`)).toBe(false); // the raw rows of a layer's day: nothing of thin

    ws.write('config/scan.yaml', `${ws.read('config/scan.yaml')}  min_completeness: 0\n`);
    const lenient = await runScan();
    expect(lenient.code).toBe(0);
    expect(lenient.process.records?.read).toBe(12);
  });

  it("counts the zero fill of a log MRTG started at 18:00 as missing, says so, and keeps it out of the average", async () => {
    setUp('BORDE', [`${scan.serve('/mrtg/new.log', { body: newMrtgLog(NOW, START + 18 * 3600, steady) })};new;10;HUAWEI`]);
    const strict = await runScan();
    expect(strict.code).toBe(1);
    expect(strict.process.integrity?.checks[0]?.detail).toBe(`1 of 1 interfaces of BORDE failed: new (72 of 288 samples for ${DATE}, fewer than the 260 of min_completeness 0.9; missing 00:00-18:00)`);
    expect(strict.stderr).toContain("BORDE new: 216 row(s) of 0 before the log's first traffic at 18:05 are the zero fill MRTG writes into a new log: counted as missing, not as zero traffic.");

    ws.write('config/scan.yaml', `${ws.read('config/scan.yaml')}  min_completeness: 0.25\n`);
    const lenient = await runScan();
    expect(lenient.code).toBe(0);
    const [, row] = ws.read(`data/SCAN/DAILY_SUMMARY/BORDE/${DATE}.csv`).trim().split('\n').map((l) => l.split(','));
    expect(row!.slice(4, 8)).toEqual(['72', '288', '216', '8000']); // 1000 B/s all along: 8000 bit/s, not a quarter of it
  });

  it('warns about a log whose rows are all 0 while its counters read non-zero, and keeps its zeros', async () => {
    setUp('RAI', [`${scan.serve('/mrtg/flat.log', { body: mrtgLog(NOW, () => [0, 0, 0, 0], { coarse: [0, 0, 0, 0] }) })};flat;10;ZTE`]);
    const { code, process, stderr } = await runScan();
    expect(code).toBe(0);
    expect(process.records?.read).toBe(288);
    expect(stderr).toContain('RAI flat: every row of the log is 0 while its counters read 123456789 and 987654321: is MRTG reading this interface?');
  });

  it('refuses a --date that has not begun in the time zone with exit 2, before anything is fetched', async () => {
    setUp('BORDE', [`${scan.serve('/mrtg/core-1.log', { body: mrtgLog(NOW, steady) })};core-1;10;HUAWEI`]);
    const before = scan.requests;
    const { code, stdout, stderr } = await runCli(['--date', '2999-01-01'], { cwd: ws.dir });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/config\/scan\.yaml:1:1: process "nightly_scan": expected --date to be a day that has begun in UTC \(today is \d{4}-\d{2}-\d{2} there\), got "2999-01-01"\n/);
    expect(stderr).toContain('Nothing was run: 1 problem(s) in');
    expect(scan.requests).toBe(before);
    expect(ws.exists('data')).toBe(false);
  });
});
