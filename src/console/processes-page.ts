import { duration, localTime } from './format.js';
import { html } from './html.js';
import { page, statusBadge, type LivePage } from './layout.js';
import { runHref } from './runs-page.js';
import { sparkline } from '../lib/sparkline.js';
import type { ProcessHistory, RunningProcess } from './store-reader.js';
import type { PlannedRun } from '../core/process.js';

/** The schedules, or why there are none to show (the process files could not be read). */
export type Schedules = { planned: PlannedRun[] } | { problem: string };

// `/processes`: each process's last status, when it runs next, whether it runs now (kept live by live.js), and its
// durations and records written over its recent runs. A process of the files that never ran is listed too.
export function processesPage(processes: ProcessHistory[], perProcess: number, running: RunningProcess[], schedules: Schedules, live: LivePage): string {
  const planned = 'planned' in schedules ? new Map(schedules.planned.map((p) => [p.process, p])) : new Map<string, PlannedRun>();
  const now = new Map(running.map((r) => [r.process, r]));
  const names = [...new Set([...processes.map((p) => p.name), ...planned.keys()])].sort();
  const history = new Map(processes.map((p) => [p.name, p]));
  const note = 'problem' in schedules ? html`<p class="error" id="schedule-problem">Next runs unknown: ${schedules.problem}</p>` : '';
  if (names.length === 0) return page('Processes', html`<h1>Processes</h1>${note}<p class="none" id="no-processes">No process has run yet, and the process files name none.</p>`, live);
  const rows = names.map((name) => {
    const p = history.get(name);
    const plan = planned.get(name);
    const next = html`<td class="next"${plan?.cron ? html` title="${plan.cron} (${plan.timezone})"` : ''}>${nextText(plan, 'problem' in schedules)}</td>`;
    const nowCell = html`<td class="now${now.has(name) ? ' running-now' : ''}" data-running-for="${name}">${now.has(name) ? `running since ${localTime(now.get(name)!.since)}` : ''}</td>`;
    if (!p) return html`<tr data-process="${name}"><td>${name}</td><td>${plan!.type}</td><td class="none">never run</td><td>-</td><td class="num">-</td>${next}${nowCell}<td></td><td></td></tr>\n`;
    const last = p.runs.at(-1)!;
    const label = (r: (typeof p.runs)[number], value: string) => `${localTime(r.startedAt)} (${r.status}): ${value}`;
    const durations = sparkline(p.runs.map((r) => ({ value: r.durationMs, label: label(r, duration(r.durationMs)), bad: r.status !== 'success' })), 'durations');
    const withRecords = p.runs.filter((r) => r.records);
    const records = sparkline(withRecords.map((r) => ({ value: r.records!.written, label: label(r, `${r.records!.written} written`), bad: r.status !== 'success' })), 'records');
    return html`<tr data-process="${name}"><td>${name}</td><td>${p.type}</td><td>${statusBadge(last.status)}</td><td><a href="${runHref(last.runId)}">${localTime(last.startedAt)}</a></td>
<td class="num">${duration(last.durationMs)}</td>${next}${nowCell}<td class="durations">${durations}</td><td class="records">${records}</td></tr>
`;
  });
  return page(
    'Processes',
    html`<h1>Processes</h1>${note}<p>The last ${perProcess} runs of each, oldest left; a red point is a run that did not succeed.</p>
<table id="process-table"><thead><tr><th>Process</th><th>Type</th><th>Last status</th><th>Last run</th><th>Last duration</th><th>Next run</th><th>Now</th><th>Durations</th><th>Records written</th></tr></thead><tbody>${rows}</tbody></table>`,
    live,
  );
}

// "2026-12-03 04:00:00" (in the console's zone, like every time here), "after copy succeeds", "no schedule", or "-" when the files are not in
// `main serve`'s config folder (or disabled there).
function nextText(plan: PlannedRun | undefined, unknown: boolean): string {
  if (!plan) return unknown ? '?' : '-';
  if (plan.next.length) return localTime(plan.next[0]);
  if (plan.after?.length) return `after ${plan.after.join(', ')} succeed${plan.after.length === 1 ? 's' : ''}`;
  return 'no schedule';
}
