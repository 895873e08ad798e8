import { humanBytes, humanCount, humanPercent, wallClock } from '../../lib/human-units.js';
import { html, type Html } from '../../lib/html.js';
import { barChart, lineChart, type Bar } from '../../lib/svg-charts.js';
import type { LogsReport } from './report-shape.js';

const HOUR = 3_600_000;
/** Beyond this many hours from the first entry to the last, only the hours that hold entries get a bar. */
const MAX_FILLED_HOURS = 24 * 62;
const TEMPLATES_SHOWN = 50;
const TOP_NAMES: Record<string, string> = { path: 'paths', client: 'clients', user_agent: 'user agents', host: 'hosts', app: 'applications' };

// The report as a dashboard: totals, requests (entries) and errors per hour with the anomalous hours in red, status
// classes or severities, the top lists, the templates, the files and the rejects. Hours are the wall clock of the
// process's `timezone`; every text that came from a log is escaped by `html`. The console shows this inside its
// own page; `htmlReport` makes it a file.
export function logsDashboard(r: LogsReport): Html {
  const s = r.statistics;
  const zone = r.timeZone ?? 'UTC';
  const what = r.format.includes('syslog') || r.format === 'jsonl' || r.format === 'regex' ? 'Entries' : 'Requests';
  const hours = hourSeries(r);
  const local = (iso: string | null) => (iso ? wallClock(iso, zone) : '-');
  const clock = (ms: number) => wallClock(ms, zone).slice(11);
  const hourBars: Bar[] = hours.map((h) => ({ label: clock(h.at), value: h.entries, marked: h.anomalous, title: `${wallClock(h.at, zone)}: ${humanCount(h.entries)} ${what.toLowerCase()}, ${humanCount(h.errors)} errors${h.anomalous ? ' (error rate stands out)' : ''}` }));
  const classes = s.statusClasses ?? s.severities;
  const t = r.totals;
  return html`<section class="logs-report" data-process="${r.process}" data-run-id="${r.runId}">
<h1>Logs report: ${r.process}</h1>
<p>Run ${r.runId}, generated ${local(r.generatedAt)} (${zone}); ${r.format}, stored in <code>${r.database}</code>.</p>
<table id="totals"><thead><tr><th>Files</th><th>Lines</th><th>Entries</th><th>Rejected</th><th>Excluded</th><th>Blank</th><th>Joined</th><th>Not UTF-8</th><th>Errors</th><th>Error rate</th><th>Read</th>${s.bytes !== undefined ? html`<th>Served</th>` : ''}</tr></thead>
<tbody><tr>${[t.files, t.lines, t.entries, t.rejected, t.excluded, t.blank, t.joined, t.invalidUtf8, s.errors].map((n) => html`<td class="num">${humanCount(n)}</td>`)}<td class="num">${humanPercent(s.errorRate)}</td><td class="num">${humanBytes(t.bytesRead)}</td>${s.bytes !== undefined ? html`<td class="num" id="bytes-served">${humanBytes(s.bytes)}</td>` : ''}</tr></tbody></table>
<p>Entries from ${local(s.firstTime)} to ${local(s.lastTime)} (${zone}). An error is: ${r.errorRule}.</p>
<h2>${what} per hour</h2>
${hours.length ? html`<p class="none">Hours in ${zone}${hours.length > 1 ? html`, ${wallClock(hours[0]!.at, zone)} to ${wallClock(hours.at(-1)!.at, zone)}` : ''}; in red, the hours whose error rate stands out.</p>
<div id="per-hour">${barChart(hourBars, { name: `${what} per hour`, valueLabel: humanCount })}</div>
<h2>Errors per hour</h2>
<div id="errors-per-hour">${lineChart(hours.map((h) => ({ label: clock(h.at), value: h.errors, title: `${wallClock(h.at, zone)}: ${humanCount(h.errors)} errors of ${humanCount(h.entries)}` })), { name: 'Errors per hour', valueLabel: humanCount, colour: '#c0392b' })}</div>` : html`<p class="none">No entry had a time.</p>`}
${classes ? html`<h2>${s.statusClasses ? 'Status classes' : 'Severities'}</h2><div id="classes">${barChart(Object.entries(classes).sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([label, value]) => ({ label, value, marked: label === '5xx' })), { name: s.statusClasses ? 'Status classes' : 'Severities', width: 420, valueLabel: humanCount })}</div>` : ''}
${Object.entries(s.top).map(([name, top]) => topTable(name, top, s.entries))}
<h2>Hours whose error rate stands out</h2>
${r.anomalies.length ? html`<table id="anomalies"><thead><tr><th>Hour (${zone})</th><th>Entries</th><th>Errors</th><th>Why</th></tr></thead><tbody>${r.anomalies.map((a) => html`<tr><td>${wallClock(a.hour, zone)}</td><td class="num">${humanCount(a.entries)}</td><td class="num">${humanCount(a.errors)}</td><td>${a.rule}</td></tr>`)}</tbody></table>` : html`<p class="none" id="no-anomalies">None.</p>`}
${r.patterns ? templates(r.patterns) : ''}
${r.cleaning.length ? html`<h2>Cleaning</h2><table id="cleaning"><thead><tr><th>Rule</th><th>Excluded</th></tr></thead><tbody>${r.cleaning.map((c) => html`<tr><td>${c.rule}</td><td class="num">${humanCount(c.excluded)}</td></tr>`)}</tbody></table>` : ''}
<h2>Files</h2>
<table id="files"><thead><tr><th>File</th><th>Status</th><th>Read</th><th>Lines</th><th>Entries</th><th>Rejected</th><th>Excluded</th><th>Errors</th></tr></thead><tbody>${r.files.map(
    (f) => html`<tr><td>${f.path}</td><td>${f.status}${f.sameAs ? ` (as ${f.sameAs})` : ''}${f.error ? html`: <span class="error">${f.error}</span>` : ''}</td><td class="num">${humanBytes(f.bytesRead)}</td><td class="num">${humanCount(f.lines)}</td><td class="num">${humanCount(f.entries)}</td><td class="num">${humanCount(f.rejected)}</td><td class="num">${humanCount(f.excluded)}</td><td class="num">${f.stats ? humanCount(f.stats.errors) : '-'}</td></tr>`,
  )}</tbody></table>
<h2>Rejected lines (${humanCount(r.rejects.count)})</h2>
${r.rejects.count ? html`<table id="rejects"><thead><tr><th>Reason</th><th>Lines</th></tr></thead><tbody>${r.rejects.reasons.map((x) => html`<tr><td>${x.reason}</td><td class="num">${humanCount(x.count)}</td></tr>`)}</tbody></table>
<table id="reject-examples"><thead><tr><th>File:line</th><th>Reason</th><th>Text</th></tr></thead><tbody>${r.rejects.examples.map((e) => html`<tr><td>${e.file}:${e.line}</td><td>${e.reason}</td><td><code>${e.text.slice(0, 120)}</code></td></tr>`)}</tbody></table>` : html`<p class="none">None.</p>`}
</section>`;
}

// A whole HTML file: the dashboard with its style inline, nothing loaded from anywhere.
export function htmlReport(r: LogsReport): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Logs report: ${r.process} · ${r.runId}</title>
<style>${REPORT_STYLE}</style></head>
<body>${logsDashboard(r)}</body></html>
`.text;
}

const REPORT_STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1em 1.2em; color: #222; background: #fafafa; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin: 1.4em 0 0.5em; }
table { border-collapse: collapse; background: #fff; margin-bottom: 0.6em; }
th, td { border-bottom: 1px solid #e2e2e2; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.text { max-width: 50em; overflow-wrap: anywhere; }
.none { color: #777; } .error { color: #9b2418; }
svg.chart { display: block; max-width: 100%; height: auto; }
`;

interface HourPoint {
  at: number;
  entries: number;
  errors: number;
  anomalous: boolean;
}

// Every hour from the first entry's to the last's, empty ones at 0 (or only those with entries, over a long span).
export function hourSeries(r: LogsReport): HourPoint[] {
  const byHour = new Map(r.statistics.perHour.map((h) => [Date.parse(h.hour), h]));
  const anomalous = new Set(r.anomalies.map((a) => Date.parse(a.hour)));
  const known = [...byHour.keys()].sort((a, b) => a - b);
  if (known.length === 0) return [];
  const first = known[0]!;
  const last = known.at(-1)!;
  const hours = (last - first) / HOUR < MAX_FILLED_HOURS ? Array.from({ length: (last - first) / HOUR + 1 }, (_, i) => first + i * HOUR) : known;
  return hours.map((at) => ({ at, entries: byHour.get(at)?.entries ?? 0, errors: byHour.get(at)?.errors ?? 0, anomalous: anomalous.has(at) }));
}

function topTable(name: string, top: LogsReport['statistics']['top'][string], entries: number): Html {
  const most = top.values[0]?.count ?? 1;
  const note = `${humanCount(top.distinct)} distinct${top.approximate ? `, counts may be short by up to ${humanCount(top.maxUndercount ?? 0)}` : ''}`;
  return html`<h2>Top ${TOP_NAMES[name] ?? name} (${note})</h2>
<table id="top-${name}" class="top"><thead><tr><th>${name.replace('_', ' ')}</th><th>Entries</th><th>Share</th><th></th></tr></thead><tbody>${top.values.map(
    (v) => html`<tr><td class="text">${v.value}</td><td class="num">${humanCount(v.count)}</td><td class="num">${entries ? humanPercent(v.count / entries) : '-'}</td><td><svg width="120" height="10" viewBox="0 0 120 10" aria-hidden="true"><rect width="${Math.max(1, Math.round((v.count / most) * 120))}" height="10" fill="#4a7ab5"/></svg></td></tr>`,
  )}</tbody></table>`;
}

function templates(p: NonNullable<LogsReport['patterns']>): Html {
  return html`<h2>Message templates (${humanCount(p.templates.length)}${p.evicted ? `; ${humanCount(p.evicted)} rare ones dropped` : ''})</h2>
<table id="templates"><thead><tr><th>Template</th><th>Count</th><th>Example</th></tr></thead><tbody>${p.templates.slice(0, TEMPLATES_SHOWN).map(
    (t) => html`<tr><td class="text"><code>${t.template}</code></td><td class="num">${humanCount(t.count)}</td><td class="text">${t.examples[0] ?? ''}</td></tr>`,
  )}</tbody></table>${p.templates.length > TEMPLATES_SHOWN ? html`<p class="none">The first ${TEMPLATES_SHOWN} shown; all are in the JSON report.</p>` : ''}`;
}
