import { duration, localTime } from './format.js';
import { html } from './html.js';
import { page, statusBadge } from './layout.js';
import { runHref } from './runs-page.js';
import { sparkline } from '../lib/sparkline.js';
import type { ProcessHistory } from './store-reader.js';

// `/processes`: each process's last status, and its durations and records written over its recent runs.
export function processesPage(processes: ProcessHistory[], perProcess: number): string {
  if (processes.length === 0) return page('Processes', html`<h1>Processes</h1><p class="none" id="no-processes">No process has run yet.</p>`);
  const rows = processes.map((p) => {
    const last = p.runs.at(-1)!;
    const label = (r: (typeof p.runs)[number], value: string) => `${localTime(r.startedAt)} (${r.status}): ${value}`;
    const durations = sparkline(p.runs.map((r) => ({ value: r.durationMs, label: label(r, duration(r.durationMs)), bad: r.status !== 'success' })), 'durations');
    const withRecords = p.runs.filter((r) => r.records);
    const records = sparkline(withRecords.map((r) => ({ value: r.records!.written, label: label(r, `${r.records!.written} written`), bad: r.status !== 'success' })), 'records');
    return html`<tr data-process="${p.name}"><td>${p.name}</td><td>${p.type}</td><td>${statusBadge(last.status)}</td><td><a href="${runHref(last.runId)}">${localTime(last.startedAt)}</a></td>
<td class="num">${duration(last.durationMs)}</td><td class="durations">${durations}</td><td class="records">${records}</td></tr>
`;
  });
  return page(
    'Processes',
    html`<h1>Processes</h1><p>The last ${perProcess} runs of each, oldest left; a red point is a run that did not succeed.</p>
<table id="process-table"><thead><tr><th>Process</th><th>Type</th><th>Last status</th><th>Last run</th><th>Last duration</th><th>Durations</th><th>Records written</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}
