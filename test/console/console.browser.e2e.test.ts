import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateStore, type RunRecord } from '../../src/state/store.js';
import { runCli, Workspace } from '../helpers/cli.js';
import { launchChromium, serve, type Serving } from './console-under-test.js';

// The console in a real browser (Debian's chromium), against a state store filled by real runs of `main`.
const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const TOKEN = 'c0nsole-T0ken-e2e-5w8k';

// A process that succeeds, one that fails with markup in its error (the console must show it as text), and one
// whose verify step fails (an integrity failure).
const PROCESSES = `
good:
  type: command
  run: { argv: [node, -e, "console.log('copied <b>42</b> rows')"] }
broken:
  type: command
  run: { argv: [node, -e, "console.error('disk <img src=x id=injected> full & gone'); process.exit(3)"] }
checked:
  type: command
  run: { argv: [node, -e, "0"] }
  verify: { argv: [node, -e, "process.exit(1)"] }
`;

let ws: Workspace;
let server: Serving;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let runs: RunRecord[];

beforeAll(async () => {
  ws = new Workspace();
  ws.write('config/jobs.yaml', PROCESSES);
  ws.write('token', `${TOKEN}\n`);
  // Three runs of everything (each fails: broken and checked do), then one of `good` alone (a success).
  for (let i = 0; i < 3; i++) expect((await runCli([], { cwd: ws.dir })).code).toBe(1);
  expect((await runCli(['--only', 'good'], { cwd: ws.dir })).code).toBe(0);
  const store = new StateStore(ws.path('data/state.db'));
  runs = store.history(100);
  store.close();
  expect(runs).toHaveLength(4);
  server = await serve(ws.dir, ['--token-file', 'token']);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  page = await context.newPage();
  mkdirSync(SHOTS, { recursive: true });
});

// Whatever became of the tests: the browser and the server end here.
afterAll(async () => {
  await browser?.close();
  if (server) expect((await server.stop()).code).toBe(0);
  ws?.remove();
});

const rowIds = (p: Page) => p.locator('#runs tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id')));

describe('main serve in a browser', () => {
  it('answers 401 without the token, and shows the runs once /login has set its cookie, the token in no address or page', async () => {
    const refused = await page.goto(server.url);
    expect(refused!.status()).toBe(401);
    expect(await page.textContent('h1')).toBe('Token needed');
    const login = await page.goto(`${server.url}login?token=${TOKEN}`);
    expect(login!.status()).toBe(200);
    expect(page.url()).toBe(server.url);
    expect(await page.content()).not.toContain(TOKEN);
    const cookies = await context.cookies();
    expect(cookies.map((c) => c.name)).toEqual(['sat_console']);
    expect(cookies[0]!.httpOnly).toBe(true);
    expect(cookies[0]!.value).not.toContain(TOKEN);
  });

  it('lists every run of the store, newest first, each with its status', async () => {
    await page.goto(server.url);
    expect(await rowIds(page)).toEqual(runs.map((r) => r.runId));
    const statuses = await page.locator('#runs tbody tr .status').allTextContents();
    expect(statuses).toEqual(runs.map((r) => r.status));
    expect(statuses).toEqual(['success', 'failed', 'failed', 'failed']);
    await page.screenshot({ path: `${SHOTS}console-runs.png`, fullPage: true });
  });

  it('filters the runs by process and status through its form', async () => {
    await page.goto(server.url);
    await page.selectOption('select[name=status]', 'success');
    await Promise.all([page.waitForURL(/status=success/), page.click('button[type=submit]')]);
    expect(await rowIds(page)).toEqual(runs.filter((r) => r.status === 'success').map((r) => r.runId));
    await page.selectOption('select[name=status]', '');
    await page.selectOption('select[name=process]', 'broken');
    await Promise.all([page.waitForURL(/process=broken/), page.click('button[type=submit]')]);
    expect(await rowIds(page)).toEqual(runs.filter((r) => r.processes.some((p) => p.name === 'broken')).map((r) => r.runId));
    expect(await page.locator('select[name=process]').inputValue()).toBe('broken');
  });

  it('shows a run with its processes, the error as text, the failed integrity check and the log lines of that run only', async () => {
    const failed = runs.find((r) => r.status === 'failed')!;
    await page.goto(server.url);
    await Promise.all([page.waitForURL(/\/runs\//), page.click(`#runs tr[data-run-id="${failed.runId}"] a`)]);
    expect(await page.textContent('h1')).toBe(`Run ${failed.runId}`);
    const broken = page.locator('#processes tr[data-process="broken"]');
    expect(await broken.locator('.status').textContent()).toBe('failed');
    expect(await broken.locator('td.error').textContent()).toContain('E_COMMAND: ');
    expect(await broken.locator('td.error').textContent()).toContain('disk <img src=x id=injected> full & gone');
    expect(await page.locator('#injected').count()).toBe(0);
    const checked = page.locator('#processes tr[data-process="checked"]');
    expect(await checked.locator('.bad-check').first().textContent()).toBe('failed');
    const log = await page.locator('#log').textContent();
    expect(log).toContain(`Run ${failed.runId} started`);
    expect(log).toContain('stderr| disk <img src=x id=injected> full & gone');
    expect(log).toContain('stdout| copied <b>42</b> rows');
    for (const other of runs.filter((r) => r.runId !== failed.runId)) expect(log).not.toContain(other.runId);
    await page.screenshot({ path: `${SHOTS}console-run.png`, fullPage: true });
  });

  it('draws one sparkline point per run of each process', async () => {
    await page.goto(`${server.url}processes`);
    const points = (name: string) => page.locator(`tr[data-process="${name}"] td.durations circle.point`).count();
    expect(await points('good')).toBe(4);
    expect(await points('broken')).toBe(3);
    expect(await points('checked')).toBe(3);
    // The failed runs of broken are drawn apart; good's four succeeded.
    expect(await page.locator('tr[data-process="broken"] td.durations circle.bad').count()).toBe(3);
    expect(await page.locator('tr[data-process="good"] td.durations circle.bad').count()).toBe(0);
    expect(await page.locator('tr[data-process="good"] .status').textContent()).toBe('success');
    await page.screenshot({ path: `${SHOTS}console-processes.png`, fullPage: true });
  });

  it('serves /metrics in Prometheus text format with each process\'s last result, to a Bearer token only', async () => {
    expect((await fetch(`${server.url}metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}api/v1/events`)).status).toBe(401);
    const answer = await fetch(`${server.url}metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parseMetrics(await answer.text());
    const last = (name: string) => runs.flatMap((r) => r.processes.filter((p) => p.name === name))[0]!; // newest run first
    for (const name of ['good', 'broken', 'checked']) {
      const at = { process: name, type: 'command' };
      for (const status of ['success', 'failed', 'timeout', 'interrupted', 'skipped']) expect(samples.get(series('sat_process_last_status', { ...at, status })), `${name} ${status}`).toBe(status === last(name).status ? 1 : 0);
      expect(samples.get(series('sat_process_last_duration_seconds', at))).toBe(last(name).durationMs / 1000);
      expect(samples.get(series('sat_process_last_run_timestamp_seconds', at))).toBe(Date.parse(lastStartedAt(name)) / 1000);
    }
    expect(samples.get(series('sat_process_integrity_failures_total', { process: 'checked', type: 'command' }))).toBe(3);
    expect(samples.get(series('sat_process_integrity_failures_total', { process: 'good', type: 'command' }))).toBe(0);
    expect(samples.get(series('sat_process_last_integrity_ok', { process: 'checked', type: 'command' }))).toBe(0);
  });
});

// When the process's newest result in the store started, as recorded.
function lastStartedAt(name: string): string {
  const db = new Database(ws.path('data/state.db'), { readonly: true });
  try {
    return db.prepare('SELECT started_at FROM process_results WHERE name = ? ORDER BY started_at DESC LIMIT 1').pluck().get(name) as string;
  } finally {
    db.close();
  }
}

// `name{a="x",b="y"}` as Prometheus writes it (labels in the order given).
const series = (name: string, labels: Record<string, string>) => `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;

// Every sample of a text exposition, by its series; a line that is neither a comment nor `series value` fails.
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-z_]+(?:\{[^}]*\})?) (-?[\d.e+-]+|NaN)$/.exec(line);
    expect(m, `not a sample: ${line}`).not.toBeNull();
    samples.set(m![1]!, Number(m![2]));
  }
  return samples;
}
