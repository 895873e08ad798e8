import { logsDashboard } from '../pipelines/logs/report-html.js';
import type { LogsReport } from '../pipelines/logs/report.js';
import { count, localTime } from './format.js';
import { Html, html } from './html.js';
import { page, statusBadge } from './layout.js';
import { logsReportHref, runHref } from './runs-page.js';
import type { LogsReportRow } from './store-reader.js';

// `/logs`: the reports the logs processes wrote, newest first, each opening as a dashboard.
export function logsIndexPage(rows: LogsReportRow[]): string {
  const body = rows.length
    ? html`<table id="logs-reports"><thead><tr><th>Process</th><th>Run</th><th>Status</th><th>Lines read</th><th>Entries stored</th><th>Rejected</th><th>Report</th></tr></thead><tbody>${rows.map(
        (r) => html`<tr data-process="${r.process}" data-run-id="${r.runId}"><td>${r.process}</td><td><a href="${runHref(r.runId)}">${localTime(r.startedAt)}</a></td><td>${statusBadge(r.status)}</td>
<td class="num">${count(r.records?.read)}</td><td class="num">${count(r.records?.written)}</td><td class="num">${count(r.records?.rejected)}</td><td><a class="dashboard" href="${logsReportHref(r.process, r.runId)}">dashboard</a></td></tr>
`,
      )}</tbody></table>`
    : html`<p class="none" id="no-logs-reports">No logs process has written a report yet (a run that reads no new line writes none).</p>`;
  return page('Logs', html`<h1>Logs reports</h1>${body}`);
}

// `/logs/PROCESS/RUN_ID`: the run's report as the HTML file draws it, inside the console's page.
export function logsReportPage(row: LogsReportRow, report: LogsReport): string {
  // The dashboard escapes every text of the report itself (lib/html.ts): its markup is taken as it is.
  const dashboard = new Html(logsDashboard(report).text);
  const files = row.reports.map((path) => html`<code>${path}</code>`);
  return page(`Logs report: ${row.process}`, html`<p><a href="/logs">All logs reports</a> · <a href="${runHref(row.runId)}">Run ${row.runId}</a> · files: ${files.flatMap((f, i) => (i ? [html`, `, f] : [f]))}</p>${dashboard}`);
}
