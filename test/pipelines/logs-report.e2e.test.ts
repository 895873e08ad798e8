import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import type { LogsReport } from '../../src/pipelines/logs/report.js';
import { runCli, Workspace } from '../helpers/cli.js';
import { nginxCombined } from '../helpers/log-lines.js';

// The reports of a logs run as files: JSON, Markdown and a self-contained HTML dashboard, in human units and the
// process's time zone, and none when a run read no new line.
let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

async function run(): Promise<{ code: number | null; summary: RunSummary; stderr: string }> {
  const result = await runCli(['--json'], { cwd: ws.dir });
  return { code: result.code, summary: JSON.parse(result.stdout) as RunSummary, stderr: result.stderr };
}

// Often enough to be among the top six paths and user agents.
const HOSTILE = Array.from({ length: 400 }, () => '10.9.9.9 - - [22/Nov/2026:05:30:00 +0000] "GET /<script>alert(1)</script> HTTP/1.1" 404 12 "-" "<script>alert(2)</script>"');

describe('the logs reports as files', () => {
  it('writes JSON, Markdown and an HTML dashboard with human units, local hours and every log text escaped', async () => {
    const log = nginxCombined(5_000, Date.UTC(2026, 10, 22), 11);
    ws.write('logs/access.log', `${log.text}${HOSTILE.join('\n')}\n`);
    ws.write('config/web.yaml', 'web:\n  type: logs\n  inputs: [logs/access.log]\n  format: nginx-combined\n  timezone: Europe/Madrid\n  top: 6\n');
    const { code, summary } = await run();
    expect(code).toBe(0);
    const reports = summary.processes[0]!.reports!;
    expect(reports.map((r) => r.replace(/^.*\./, ''))).toEqual(['json', 'md', 'html']);
    const json = JSON.parse(readFileSync(reports[0]!, 'utf8')) as LogsReport;
    expect(json.timeZone).toBe('Europe/Madrid');
    expect(json.statistics.top.path!.values.map((v) => v.value)).toContain('/<script>alert(1)</script>');
    expect(json.statistics.top.user_agent!.values.map((v) => v.value)).toContain('<script>alert(2)</script>');

    const md = readFileSync(reports[1]!, 'utf8');
    const served = json.statistics.bytes!;
    expect(served).toBeGreaterThan(1e6);
    expect(md).toContain(`; ${(served / 1e6).toPrecision(3)} MB served.`);
    expect(md).not.toMatch(/\d{6,} bytes/);
    // The first hour of the log, 00:00 UTC, is 01:00 in Madrid.
    expect(md).toContain('| hour (Europe/Madrid) | entries | errors |');
    expect(md).toMatch(/\| 2026-11-22 01:00 \| \d+ \| \d+ \|/);
    expect(md).not.toContain('T00:00:00.000Z');

    const page = readFileSync(reports[2]!, 'utf8');
    expect(page).not.toMatch(/<script|<img|<link|<iframe|\ssrc=|\shref=|@import|url\(/i);
    expect(page).toContain('/&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    // Hourly bars from the first hour to the last (24 of them), the anomalous 13:00 UTC (14:00 in Madrid) in red.
    expect(page).toContain('data-bars="24"');
    expect(json.anomalies.map((a) => a.hour)).toEqual(['2026-11-22T13:00:00.000Z']);
    expect(page.match(/class="bar marked"/g)).toHaveLength(1 + 1); // the hour, and the 5xx status class
    expect(page).toMatch(/<rect class="bar marked"[^>]*><title>2026-11-22 14:00: /);
    expect(page).toContain(`<td class="num" id="bytes-served">${(served / 1e6).toPrecision(3)} MB</td>`);
  });

  it('writes no new report for a run that read no new line', async () => {
    ws.write('logs/access.log', nginxCombined(50, Date.UTC(2026, 10, 22), 4).text);
    ws.write('config/web.yaml', 'web:\n  type: logs\n  inputs: [logs/access.log]\n  format: nginx-combined\n');
    const first = await run();
    expect(first.summary.processes[0]!.reports).toHaveLength(3);
    const written = readdirSync(ws.path('data/reports/logs/web')).sort();
    expect(written).toHaveLength(3);

    const again = await run();
    expect(again.code).toBe(0);
    expect(again.summary.processes[0]!.records).toEqual({ read: 0, written: 0, rejected: 0 });
    expect(again.summary.processes[0]!.reports).toBeUndefined();
    expect(again.stderr).toContain('No new line, no new report.');
    expect(readdirSync(ws.path('data/reports/logs/web')).sort()).toEqual(written);
  });
});
