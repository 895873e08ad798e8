import type { FilterQuery } from './filter.js';
import { count, duration, localTime } from './format.js';
import { html, type Html } from './html.js';
import { page, statusBadge, type LivePage } from './layout.js';
import type { LogLine } from './run-log.js';
import { RUN_STATUSES, type ProcessRow, type RunRow } from './store-reader.js';

export const runHref = (runId: string): string => `/runs/${encodeURIComponent(runId)}`;
export const logsReportHref = (process: string, runId: string): string => `/logs/${encodeURIComponent(process)}/${encodeURIComponent(runId)}`;

// `/`: the runs, newest first, with the filter form (its values kept) above them.
export function runsPage(runs: RunRow[], processNames: string[], q: FilterQuery, problem: string | undefined, live: LivePage): string {
  const option = (value: string, current: string | undefined, label = value) => html`<option value="${value}"${value === (current ?? '') ? html` selected` : ''}>${label}</option>`;
  const form = html`<form class="filters" method="get" action="/">
<label>Process<select name="process">${option('', q.process, 'any')}${processNames.map((n) => option(n, q.process))}</select></label>
<label>Status<select name="status">${option('', q.status, 'any')}${RUN_STATUSES.map((s) => option(s, q.status))}</select></label>
<label>Since<input name="since" value="${q.since ?? ''}" placeholder="2026-11-20, 24h, 7d" size="16"></label>
<label>At most<input name="limit" value="${q.limit ?? ''}" placeholder="50" size="5"></label>
<button type="submit">Filter</button></form>`;
  const body = problem
    ? html`<p class="error" id="problem">${problem}</p>`
    : runs.length === 0
      ? html`<p class="none" id="no-runs">No runs match.</p>`
      : html`<table id="runs"><thead><tr><th>Run</th><th>Started</th><th>Duration</th><th>Status</th><th>Processes</th><th>Problems</th></tr></thead><tbody>
${runs.map(runRow)}</tbody></table>`;
  return page('Runs', html`<h1>Runs</h1>${form}${body}`, live);
}

function runRow(r: RunRow): Html {
  const problems = r.processes.filter((p) => p.status !== 'success' && p.status !== 'skipped');
  return html`<tr data-run-id="${r.runId}"><td><a href="${runHref(r.runId)}">${r.runId}</a></td><td>${localTime(r.startedAt)}</td><td class="num">${duration(r.durationMs)}</td>
<td>${statusBadge(r.status)}</td><td>${counts(r.processes)}</td><td>${problems.map((p) => html`<div><b>${p.name}</b> ${p.status}${p.error ? html`: <span class="error">${p.error.message}</span>` : ''}</div>`)}</td></tr>
`;
}

function counts(processes: ProcessRow[]): string {
  const by = new Map<string, number>();
  for (const p of processes) by.set(p.status, (by.get(p.status) ?? 0) + 1);
  return [...by].map(([s, n]) => `${n} ${s}`).join(', ') || '-';
}

// `/runs/:id`: each process with its status, records, integrity checks and error, then the run's log lines.
export function runPage(run: RunRow, log: { lines: LogLine[]; more: number }): string {
  const processes = html`<table id="processes"><thead><tr><th>Process</th><th>Type</th><th>Status</th><th>Started</th><th>Duration</th><th>Read</th><th>Written</th><th>Rejected</th><th>Integrity</th><th>Error</th></tr></thead><tbody>
${run.processes.map(
  (p) => html`<tr data-process="${p.name}"><td>${p.name}${p.type === 'logs' && p.reports?.some((r) => r.endsWith('.json')) ? html` <a class="logs-report" href="${logsReportHref(p.name, run.runId)}">report</a>` : ''}</td><td>${p.type}</td><td>${statusBadge(p.status)}</td><td>${localTime(p.startedAt)}</td><td class="num">${duration(p.durationMs)}</td>
<td class="num">${count(p.records?.read)}</td><td class="num">${count(p.records?.written)}</td><td class="num">${count(p.records?.rejected)}</td>
<td>${integrity(p)}</td><td class="error">${p.error ? `${p.error.code}: ${p.error.message}` : ''}</td></tr>
`,
)}</tbody></table>`;
  const lines = log.lines.length
    ? html`<table class="log" id="log"><tbody>${log.lines.map(
        (l) => html`<tr><td>${localTime(l.timestamp)}</td><td class="level-${l.level}">${l.level.toUpperCase()}</td><td>${l.process ?? ''}</td><td>${l.stream ? `${l.stream}| ` : ''}${l.message}</td></tr>
`,
      )}</tbody></table>${log.more ? html`<p class="none">${count(log.more)} more line(s) not shown.</p>` : ''}`
    : html`<p class="none" id="no-log">No lines of this run in the JSON log (it may have been rotated away, or written to another --log-dir).</p>`;
  const facts = html`<p>${statusBadge(run.status)} started ${localTime(run.startedAt)}, ${run.finishedAt ? html`finished ${localTime(run.finishedAt)} (${duration(run.durationMs)})` : 'not finished'}, on ${run.host}.</p>`;
  return page(`Run ${run.runId}`, html`<h1>Run ${run.runId}</h1>${facts}<h2>Processes</h2>${run.processes.length ? processes : html`<p class="none">No process results recorded.</p>`}<h2>Log</h2>${lines}`);
}

function integrity(p: ProcessRow): Html | string {
  if (!p.integrity) return '';
  return html`${p.integrity.ok ? 'ok' : html`<b class="bad-check">failed</b>`}<ul class="checks">${p.integrity.checks.map(
    (c) => html`<li class="${c.ok ? '' : 'bad-check'}">${c.name}: ${c.ok ? 'ok' : 'failed'}${c.expected !== undefined ? ` (expected ${show(c.expected)}, got ${show(c.actual)})` : ''}${c.detail ? ` ${c.detail}` : ''}</li>`,
  )}</ul>`;
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
