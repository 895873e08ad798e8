import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hourMinute } from '../../src/console/format.js';
import { runCli, Workspace } from '../helpers/cli.js';
import { mrtgLog, type Row } from '../helpers/mrtg.js';
import { ScanServer } from '../helpers/scan-server.js';
import { launchChromium, serve, type Serving } from './console-under-test.js';

// The scan day charts in a real browser, from a day a real scan run collected from the test MRTG server.
const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const DATE = '2026-11-22';
const START = Date.UTC(2026, 10, 22) / 1000;
const END = START + 86_400;
const NOW = END + 4 * 3600;
const k = (epoch: number) => (epoch - START) / 300; // slot 1..288 of the day
const inDay = (epoch: number) => epoch > START && epoch <= END;
const OUTSIDE: Row = [999_999_999, 999_999_999, 999_999_999, 999_999_999];
// core-1 (10 Gbps): in = 1000·k B/s, out = 500 B/s; in p95 = 8·274,000 = 2,192,000 bit/s, out p95 = 4,000 bit/s;
// utilisation 8·288,001 / 1e10 = 0.023 %. edge-2 (1 Gbps): twice the traffic on a tenth of the capacity: 0.46 %.
const core = (e: number): Row => (inDay(e) ? [1000 * k(e), 500, 1000 * k(e) + 1, 600] : OUTSIDE);
const edge = (e: number): Row => (inDay(e) ? [2000 * k(e), 1000, 2000 * k(e) + 1, 1200] : OUTSIDE);

let ws: Workspace;
let mrtg: ScanServer;
let server: Serving;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ws = new Workspace();
  mrtg = await ScanServer.start();
  ws.write('sources/SCAN/BORDE', `${mrtg.serve('/mrtg/core-1.log', { body: mrtgLog(NOW, core) })};core-1;10;HUAWEI\n${mrtg.serve('/mrtg/edge-2.log', { body: mrtgLog(NOW, edge) })};edge-2;1;CISCO\n`);
  ws.write('config/scan.yaml', 'nightly_scan:\n  type: scan\n  layers: [BORDE]\n  retries: 0\n');
  const run = await runCli(['--date', DATE], { cwd: ws.dir });
  expect(run.code, run.stderr).toBe(0);
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

describe('main serve: the scan day', () => {
  it('lists the day and layer the scan run stored, and opens it', async () => {
    await page.goto(`${server.url}scan`);
    expect(await page.locator('#scan-days tbody tr').allTextContents()).toEqual([`${DATE}BORDE2`]);
    await Promise.all([page.waitForURL(/\/scan\/BORDE\//), page.click(`#scan-days a`)]);
    expect(await page.textContent('h1')).toBe(`BORDE on ${DATE}`);
  });

  it('sorts the interfaces by utilisation, or by name', async () => {
    await page.goto(`${server.url}scan/BORDE/${DATE}`);
    const order = () => page.locator('#scan-interfaces tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-interface')));
    expect(await order()).toEqual(['edge-2', 'core-1']);
    expect(await page.locator('#scan-interfaces tr[data-interface="core-1"] td.utilisation').textContent()).toBe('0.02 %');
    expect(await page.locator('#scan-interfaces tr[data-interface="edge-2"] td.utilisation').textContent()).toBe('0.46 %');
    await Promise.all([page.waitForURL(/sort=interface/), page.click('#scan-interfaces th a:text("Interface")')]);
    expect(await order()).toEqual(['core-1', 'edge-2']);
  });

  it('marks the hours every three from local midnight on a server in another zone (UTC-4)', async () => {
    const caracas = await serve(ws.dir, [], { TZ: 'America/Caracas' });
    try {
      await page.goto(`${caracas.url}scan/BORDE/${DATE}`);
      const labels = await page.locator('svg.day-chart').first().locator('.x-label').allTextContents();
      // The day was collected in UTC: 20:00 to 20:00 in Caracas, marked at 21:00, 00:00, 03:00 … 18:00 there.
      expect(labels).toEqual(['21:00', '00:00', '03:00', '06:00', '09:00', '12:00', '15:00', '18:00']);
    } finally {
      expect((await caracas.stop()).code).toBe(0);
    }
  });

  it('charts each interface with one point per five minutes of the day, the p95 lines and the hours', async () => {
    await page.goto(`${server.url}scan/BORDE/${DATE}`);
    const chart = page.locator('svg.day-chart[data-interface="core-1"]');
    for (const series of ['series-in', 'series-out']) {
      const points = await chart.locator(`polyline.${series}`).getAttribute('points');
      expect(points!.trim().split(/\s+/)).toHaveLength(288);
    }
    expect(await chart.locator('.p95-label').allTextContents()).toEqual(['p95 in 2.19 Mbps', 'p95 out 4.00 kbps']);
    // Every three hours from 03:00 to the day's end, in the server's zone (this test's).
    const hours = Array.from({ length: 8 }, (_, i) => hourMinute(START + (i + 1) * 3 * 3600));
    expect(await chart.locator('.x-label').allTextContents()).toEqual(hours);
    // The largest five-minute average is in at slot 288: 8·288,000 = 2.304 Mbps, under an axis top of 2.5 Mbps.
    expect(await chart.locator('.y-label').allTextContents()).toEqual(['0 bps', '1.25 Mbps', '2.50 Mbps']);
    // The p95 line of in sits where 2.19 Mbps is on the axis: the line and the labels agree.
    const y = async (sel: string) => Number(await chart.locator(sel).first().getAttribute('y1'));
    const top = 12;
    const bottom = 220 - 26; // the plot's edges (lib/day-chart.ts)
    expect(await y('line.p95-in')).toBeCloseTo(bottom - (2_192_000 / 2_500_000) * (bottom - top), 0);
    await page.screenshot({ path: `${SHOTS}console-scan-day.png`, fullPage: true });
  });
});
