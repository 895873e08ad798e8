import { mkdirSync, readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { runCli, Workspace } from '../helpers/cli.js';
import { mrtgLog, type Row } from '../helpers/mrtg.js';
import { ScanServer } from '../helpers/scan-server.js';
import { launchChromium, serve, type Serving } from './console-under-test.js';

// Two days of a real scan run (America/Caracas, UTC−4) against the test MRTG server, then in a real browser: the
// console's multi-day view of an interface and its sorted day table, and the report files the run wrote, opened
// from disk with every request recorded.
const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const ZONE = 'America/Caracas';
const DAYS = ['2026-11-21', '2026-11-22'];
const START = Date.UTC(2026, 10, 21, 4) / 1000; // 2026-11-21 00:00 in Caracas
const END = START + 2 * 86_400;
const NOW = END + 1800;
// Day 1 or 2 of the run for a sample's epoch (a sample is stamped at the end of its five minutes).
const dayOf = (epoch: number) => (epoch <= START + 86_400 ? 1 : 2);
// core-1 (10 Gbps): in 1000 B/s on day 1, 2000 on day 2 (8 and 16 kbps), out 500 B/s. edge/2 (1 Gbps): in 20,000
// B/s a day (160 kbps, 320 on day 2): utilisation 0.016 % then 0.032 %, above core-1's 0.00016 %.
const core = (e: number): Row => [1000 * dayOf(e), 500, 1000 * dayOf(e), 500];
const edge = (e: number): Row => [20_000 * dayOf(e), 1000, 20_000 * dayOf(e), 1000];

let ws: Workspace;
let mrtg: ScanServer;
let server: Serving;
let browser: Browser;
let page: Page;
let summaries: RunSummary[];

async function scan(args: string[]): Promise<RunSummary[]> {
  const run = await runCli(['--json', ...args], { cwd: ws.dir });
  expect(run.code, run.stderr).toBe(0);
  const parsed = JSON.parse(run.stdout) as RunSummary | RunSummary[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

beforeAll(async () => {
  ws = new Workspace();
  mrtg = await ScanServer.start();
  ws.write('sources/SCAN/BORDE', `${mrtg.serve('/mrtg/core-1.log', { body: mrtgLog(NOW, core) })};core-1;10;HUAWEI\n${mrtg.serve('/mrtg/edge-2.log', { body: mrtgLog(NOW, edge) })};edge/2;1;CISCO\n`);
  ws.write('config/scan.yaml', `nightly_scan:\n  type: scan\n  layers: [BORDE]\n  retries: 0\n  timezone: ${ZONE}\n`);
  summaries = await scan(['--from', DAYS[0]!, '--to', DAYS[1]!]);
  server = await serve(ws.dir);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  if (server) expect((await server.stop()).code).toBe(0);
  await mrtg?.stop();
  ws?.remove();
});

const reportOf = (date: string, ext: string) => ws.path(`data/SCAN/DAILY_SUMMARY/BORDE/${date}.${ext}`);

describe('scan: the report files and the multi-day view', () => {
  it('lists each day\'s page and chart file in the run summary, next to the CSV', () => {
    expect(summaries.map((s) => s.processes[0]!.reports)).toEqual(DAYS.map((d) => [reportOf(d, 'html'), reportOf(d, 'svg')]));
    expect(readdirSync(dirname(reportOf(DAYS[0]!, 'csv'))).sort()).toEqual(DAYS.flatMap((d) => [`${d}.csv`, `${d}.html`, `${d}.svg`]));
  });

  it('charts an interface over the days stored: two points per series, and the same in a table', async () => {
    await page.goto(`${server.url}scan/BORDE/interfaces/${encodeURIComponent('edge/2')}`);
    expect(await page.textContent('h1')).toBe('edge/2 (BORDE), last 30 days');
    const chart = page.locator('svg.days-chart');
    const series = await chart.locator('g.series').evaluateAll((gs) => gs.map((g) => [g.getAttribute('data-series'), g.getAttribute('data-points'), g.querySelectorAll('circle').length]));
    expect(series).toEqual(['inP95', 'inAvg', 'inMax', 'outP95', 'outAvg', 'outMax'].map((s) => [s, '2', 2]));
    expect(await chart.locator('.x-label').allTextContents()).toEqual(DAYS);
    // Newest first in the table; in p95 = 8·20,000·day bit/s.
    const rows = page.locator('#scan-interface-days tbody tr');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-date'), tr.children[3]!.textContent, tr.children[8]!.textContent]))).toEqual([
      [DAYS[1], '320 kbps', '0.03 %'],
      [DAYS[0], '160 kbps', '0.02 %'],
    ]);
    // The in p95 of the older day, below the newer one's.
    const ys = await chart.locator('g.series-inP95 circle').evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('cy'))));
    expect(ys[0]).toBeGreaterThan(ys[1]!);
    await page.screenshot({ path: `${SHOTS}console-scan-interface-days.png`, fullPage: true });
    // ?days=1: the newest day alone; a bad count is refused.
    await page.goto(`${server.url}scan/BORDE/interfaces/${encodeURIComponent('edge/2')}?days=1`);
    expect(await chart.locator('g.series-inP95').getAttribute('data-points')).toBe('1');
    const api = await fetch(`${server.url}api/v1/scan/BORDE/interfaces/${encodeURIComponent('edge/2')}?days=7`);
    expect(((await api.json()) as { days: Array<{ date: string }> }).days.map((d) => d.date)).toEqual(DAYS);
    const bad = await fetch(`${server.url}api/v1/scan/BORDE/interfaces/core-1?days=0`);
    expect([bad.status, await bad.json()]).toEqual([400, { error: 'expected days to be a whole number from 1 to 366, got "0"' }]);
  });

  it('sorts the day\'s table by utilisation, or by name, from the address', async () => {
    const order = () => page.locator('#scan-interfaces tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-interface')));
    await page.goto(`${server.url}scan/BORDE/${DAYS[1]}`);
    expect(await order()).toEqual(['edge/2', 'core-1']);
    await page.goto(`${server.url}scan/BORDE/${DAYS[1]}?sort=interface`);
    expect(await order()).toEqual(['core-1', 'edge/2']);
    await page.click('#interface-history summary');
    await Promise.all([page.waitForURL(/interfaces\/core-1$/), page.click('#interface-history a:text("core-1")')]);
    expect(await page.locator('svg.days-chart').getAttribute('data-days')).toBe('2');
    expect((await fetch(`${server.url}scan/BORDE/${DAYS[1]}?sort=bytes`)).status).toBe(400);
  });

  it('writes a day page that opens from disk with no request at all, in the process\'s zone and units', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    try {
      const file = await context.newPage();
      const requests: string[] = [];
      file.on('request', (r) => requests.push(r.url()));
      const url = pathToFileURL(reportOf(DAYS[1]!, 'html')).href;
      await file.goto(url, { waitUntil: 'load' });
      expect(await file.textContent('h1')).toBe(`BORDE on ${DAYS[1]}`);
      expect(await file.locator('#scan-interfaces tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-interface')))).toEqual(['edge/2', 'core-1']);
      expect(await file.locator('#scan-interfaces tr[data-interface="edge/2"] td').allTextContents()).toEqual([
        'edge/2', 'CISCO', '1 Gbps', '288 of 288', '320 kbps', '320 kbps', '320 kbps', '8.00 kbps', '8.00 kbps', '8.00 kbps', '3.46 GB', '86.4 MB', '0.03 %',
      ]);
      // Hours every three from Caracas's midnight, said in Caracas time whatever the zone of this test.
      const chart = file.locator('svg.day-chart[data-interface="edge/2"]');
      expect(await chart.locator('.x-label').allTextContents()).toEqual(['03:00', '06:00', '09:00', '12:00', '15:00', '18:00', '21:00', '00:00']);
      expect(await chart.locator('polyline.series-in').getAttribute('data-points')).toBe('288');
      expect(await file.textContent('body')).toContain(`times in ${ZONE}`);
      await file.screenshot({ path: `${SHOTS}scan-report-day.png`, fullPage: true });
      // The layer's total: each five-minute time the sum of both.
      const total = file.locator('svg.day-chart[data-interface="BORDE: all 2 interface(s)"]');
      expect(await total.locator('polyline.series-in').getAttribute('data-points')).toBe('288');
      // The chart file alone: the total, then both interfaces, stacked, the same order.
      await file.goto(pathToFileURL(reportOf(DAYS[1]!, 'svg')).href, { waitUntil: 'load' });
      expect(await file.locator('svg.day-chart').evaluateAll((cs) => cs.map((c) => c.getAttribute('data-interface')))).toEqual(['BORDE: all 2 interface(s)', 'edge/2', 'core-1']);
      await file.screenshot({ path: `${SHOTS}scan-report-chart.png` }); // a whole-page shot of an SVG document never ends
      expect(requests).toEqual([url, pathToFileURL(reportOf(DAYS[1]!, 'svg')).href]);
    } finally {
      await context.close();
    }
  });

  it('replaces a day\'s files whole when the day runs again', async () => {
    const before = ws.read(`data/SCAN/DAILY_SUMMARY/BORDE/${DAYS[1]}.html`);
    // edge/2 now carries half as much: its row changes, nothing is left of the first run's files beside them.
    mrtg.serve('/mrtg/edge-2.log', { body: mrtgLog(NOW, (e) => [10_000 * dayOf(e), 1000, 10_000 * dayOf(e), 1000]) });
    const [again] = await scan(['--date', DAYS[1]!]);
    expect(again!.processes[0]!.reports).toEqual([reportOf(DAYS[1]!, 'html'), reportOf(DAYS[1]!, 'svg')]);
    const after = ws.read(`data/SCAN/DAILY_SUMMARY/BORDE/${DAYS[1]}.html`);
    expect(before).toContain('320 kbps');
    expect(after).not.toContain('320 kbps');
    expect(after).toContain('160 kbps');
    expect(readdirSync(dirname(reportOf(DAYS[0]!, 'csv'))).filter((f) => !/^\d{4}-\d{2}-\d{2}\.(csv|html|svg)$/.test(f))).toEqual([]);
  });
});
