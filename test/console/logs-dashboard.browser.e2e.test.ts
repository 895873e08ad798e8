import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import type { LogsReport } from '../../src/pipelines/logs/report.js';
import { runCli, Workspace } from '../helpers/cli.js';
import { nginxCombined } from '../helpers/log-lines.js';
import { launchChromium, serve, type Serving } from './console-under-test.js';

// The logs dashboards in a real browser: in the console (`main serve`) and as the HTML file a run wrote, opened from
// disk. Two real runs fill the store: a real syslog (elastic/beats' darwin sample, test/fixtures/syslog) and a day of
// nginx traffic with markup in a path and a user agent, which must show as text.
const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const DARWIN = fileURLToPath(new URL('../fixtures/syslog/beats/darwin-syslog.first-lines.log', import.meta.url));
const HOSTILE_PATH = '/<script>document.title=1</script>';
const HOSTILE_AGENT = '<img src=x onerror=alert(1)>';
const HOSTILE = Array.from({ length: 400 }, () => `10.9.9.9 - - [22/Nov/2026:05:30:00 +0000] "GET ${HOSTILE_PATH} HTTP/1.1" 404 12 "-" "${HOSTILE_AGENT}"`);

let ws: Workspace;
let server: Serving;
let browser: Browser;
let page: Page;
let summary: RunSummary;
const reports = new Map<string, { paths: string[]; json: LogsReport }>();

beforeAll(async () => {
  ws = new Workspace();
  mkdirSync(ws.path('logs'), { recursive: true });
  copyFileSync(DARWIN, ws.path('logs/darwin.log'));
  ws.write('logs/access.log', `${nginxCombined(5_000, Date.UTC(2026, 10, 22), 11).text}${HOSTILE.join('\n')}\n`);
  ws.write('config/logs.yaml', [
    'web:\n  type: logs\n  inputs: [logs/access.log]\n  format: nginx-combined\n  timezone: Europe/Madrid\n  top: 6\n  database: data/web.db\n',
    'mac:\n  type: logs\n  inputs: [logs/darwin.log]\n  format: syslog-rfc3164\n  database: data/mac.db\n',
  ].join(''));
  const run = await runCli(['--json'], { cwd: ws.dir });
  expect(run.code, run.stderr).toBe(0);
  summary = JSON.parse(run.stdout) as RunSummary;
  for (const p of summary.processes) reports.set(p.name, { paths: p.reports!, json: JSON.parse(readFileSync(p.reports![0]!, 'utf8')) as LogsReport });
  server = await serve(ws.dir);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  if (server) expect((await server.stop()).code).toBe(0);
  ws?.remove();
});

// Hours from the report's first to its last, each one bar.
const hoursSpanned = (r: LogsReport) => (Date.parse(r.statistics.perHour.at(-1)!.hour) - Date.parse(r.statistics.perHour[0]!.hour)) / 3_600_000 + 1;

describe('the logs dashboards', () => {
  it('lists the reports of both logs processes on /logs, and links each run page to its report', async () => {
    await page.goto(`${server.url}logs`);
    const rows = await page.locator('#logs-reports tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-process'), tr.getAttribute('data-run-id')]));
    expect(rows.sort()).toEqual([['mac', summary.runId], ['web', summary.runId]]);
    await page.goto(`${server.url}runs/${encodeURIComponent(summary.runId)}`);
    expect(await page.locator('a.logs-report').count()).toBe(2);
    await Promise.all([page.waitForURL(/\/logs\/web\//), page.click('tr[data-process="web"] a.logs-report')]);
    expect(await page.textContent('h1')).toBe('Logs report: web');
  });

  it('draws the web report: a bar per hour (the anomalous one red), the status classes, the top paths, the markup of the log as text', async () => {
    const json = reports.get('web')!.json;
    await page.goto(`${server.url}logs/web/${encodeURIComponent(summary.runId)}`);
    expect(hoursSpanned(json)).toBe(24);
    expect(await page.locator('#per-hour rect.bar').count()).toBe(24);
    expect(await page.locator('#per-hour rect.bar.marked').count()).toBe(1);
    // 13:00 UTC is 14:00 in Madrid, the process's zone.
    expect(await page.locator('#per-hour rect.bar.marked title').textContent()).toMatch(/^2026-11-22 14:00: /);
    expect(await page.locator('#errors-per-hour circle.point').count()).toBe(24);
    expect(await page.locator('#classes rect.bar').count()).toBe(Object.keys(json.statistics.statusClasses!).length);
    expect(await page.locator('#top-path tbody tr').count()).toBe(6);
    expect(await page.locator('#top-path tbody tr td:first-child').allTextContents()).toContain(HOSTILE_PATH);
    expect(await page.locator('#top-user_agent tbody tr td:first-child').allTextContents()).toContain(HOSTILE_AGENT);
    expect(await page.locator('script:not([src="/static/live.js"]), img').count()).toBe(0);
    expect(await page.title()).toBe('Logs report: web · SysAdminToolkit');
    await page.screenshot({ path: `${SHOTS}console-logs-dashboard.png`, fullPage: true });
  });

  it('draws the syslog report: its hours, its applications, its message templates', async () => {
    const json = reports.get('mac')!.json;
    await page.goto(`${server.url}logs/mac/${encodeURIComponent(summary.runId)}`);
    // The sample's entries are all between 11:35 and 11:40 of one day: one hour.
    expect(hoursSpanned(json)).toBe(1);
    expect(await page.locator('#per-hour rect.bar').count()).toBe(1);
    expect(await page.locator('#top-app tbody tr').count()).toBe(json.statistics.top.app!.values.length);
    expect(await page.locator('#top-app tbody tr td:first-child').first().textContent()).toBe(json.statistics.top.app!.values[0]!.value);
    expect(await page.locator('#templates tbody tr').count()).toBe(Math.min(50, json.patterns!.templates.length));
  });

  it('answers the reports as JSON under /api/v1/, and 404 for a report that is not there', async () => {
    const list = (await (await fetch(`${server.url}api/v1/logs/reports`)).json()) as { reports: Array<{ process: string; reports: string[] }> };
    expect(list.reports.map((r) => r.process).sort()).toEqual(['mac', 'web']);
    const one = (await (await fetch(`${server.url}api/v1/logs/reports/web/${encodeURIComponent(summary.runId)}`)).json()) as { report: LogsReport };
    expect(one.report).toEqual(reports.get('web')!.json);
    const missing = await fetch(`${server.url}api/v1/logs/reports/nobody/${encodeURIComponent(summary.runId)}`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: `no logs report of nobody in run ${summary.runId}` });
  });

  it('opens the HTML report file from disk with no request beyond the file itself', async () => {
    const file = reports.get('web')!.paths.find((p) => p.endsWith('.html'))!;
    const requested: string[] = [];
    const offline = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    offline.on('request', (r) => requested.push(r.url()));
    try {
      await offline.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      expect(await offline.locator('#per-hour rect.bar').count()).toBe(24);
      expect(await offline.locator('#top-path tbody tr').count()).toBe(6);
      expect(await offline.locator('script, img').count()).toBe(0);
      await offline.screenshot({ path: `${SHOTS}logs-report-file.png`, fullPage: true });
    } finally {
      await offline.close();
    }
    expect(requested).toEqual([pathToFileURL(file).href]);
  });
});
