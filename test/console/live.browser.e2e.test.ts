import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, Workspace } from '../helpers/cli.js';
import { launchChromium, serve, type Serving } from './console-under-test.js';

// The console kept live: a page open in a real browser shows a process start running and, when its run ends, the
// new result, without anyone reloading it; and the processes page says when each process runs next.
const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));

// `slow` runs until the test creates the file `go`; `nightly` has a schedule and never ran; `after_slow` follows.
const PROCESSES = `
slow:
  type: command
  run: { shell: "while [ ! -f go ]; do sleep 0.05; done" }
nightly:
  type: command
  schedule: { cron: "30 4 * * *", timezone: UTC }
  run: { argv: ["true"] }
after_slow:
  type: command
  after: [slow]
  run: { argv: ["true"] }
`;

let ws: Workspace;
let server: Serving;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ws = new Workspace();
  ws.write('config/jobs.yaml', PROCESSES);
  ws.write('go', '');
  expect((await runCli(['--only', 'slow'], { cwd: ws.dir })).code).toBe(0); // one run before: a last status to replace
  server = await serve(ws.dir, ['--timezone', 'UTC'], { TZ: 'UTC' });
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  if (server) expect((await server.stop()).code).toBe(0);
  ws?.remove();
});

const cell = (name: string, column: string) => page.locator(`tr[data-process="${name}"] td.${column}`);

describe('main serve, live', () => {
  it('says when each process runs next, as main next does, and lists a scheduled process that never ran', async () => {
    const next = JSON.parse((await runCli(['next', '--json', '--timezone', 'UTC'], { cwd: ws.dir })).stdout) as Array<{ process: string; next: string[] }>;
    const nightly = next.find((p) => p.process === 'nightly')!.next[0]!;
    await page.goto(`${server.url}processes`);
    // The console shows times in its zone (UTC here): the same instant as main next's.
    expect(await cell('nightly', 'next').textContent()).toBe(new Date(nightly).toISOString().slice(0, 19).replace('T', ' '));
    expect(await cell('nightly', 'next').getAttribute('title')).toBe('30 4 * * * (UTC)');
    expect(await page.locator('tr[data-process="nightly"]').textContent()).toContain('never run');
    expect(await cell('slow', 'next').textContent()).toBe('no schedule');
    expect(await cell('after_slow', 'next').textContent()).toBe('after slow succeeds');
  });

  it('shows a process running while its run goes on, then its new result, on a page nobody reloads', async () => {
    rmSync(ws.path('go')); // the next run of slow waits for it
    await page.goto(`${server.url}processes`);
    await page.waitForSelector('body[data-live-state="connected"]');
    expect(await cell('slow', 'now').textContent()).toBe('');
    const before = await page.locator('tr[data-process="slow"] td.durations circle.point').count();
    // The page stays open; the run starts beside it.
    const run = startCli(['--only', 'slow'], { cwd: ws.dir });
    // Polled from here: the page's CSP allows no script evaluated from a string, playwright's included.
    await page.locator('tr[data-process="slow"] td.now', { hasText: 'running since ' }).waitFor({ timeout: 60_000 });
    expect(await page.textContent('#live-running')).toBe('Running now: slow');
    await page.screenshot({ path: `${SHOTS}console-live-running.png`, fullPage: true });
    // The run ends: the page reloads itself with one more point and no one running.
    writeFileSync(ws.path('go'), '');
    expect((await run.done).code).toBe(0);
    await expect.poll(() => page.locator('tr[data-process="slow"] td.durations circle.point').count().catch(() => -1), { timeout: 60_000, interval: 100 }).toBe(before + 1);
    await page.waitForSelector('body[data-live-state="connected"]');
    expect(await cell('slow', 'now').textContent()).toBe('');
    expect(await page.textContent('#live-running')).toBe('');
  });

  it('streams text/event-stream, the current state first', async () => {
    const answer = await fetch(`${server.url}api/v1/events`);
    expect(answer.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = answer.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    const data = JSON.parse(/^data: (.*)$/m.exec(text)![1]!) as { running: unknown[]; runs: string };
    expect(data.running).toEqual([]);
    expect(data.runs).toMatch(/^2:/);
  });
});
