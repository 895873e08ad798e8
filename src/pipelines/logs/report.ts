import { join } from 'node:path';
import { writeAtomically } from '../../lib/atomic-write.js';
import { humanBytes, wallClock } from '../../lib/human-units.js';
import { htmlReport } from './report-html.js';
import type { LogsReport } from './report-shape.js';

export type { LogsReport } from './report-shape.js';

// One JSON, one Markdown and one HTML report per run: <reports_dir>/<process>/<run id>.json|md|html. The JSON first:
// the console finds the others' data in it.
export async function writeReports(dir: string, report: LogsReport): Promise<string[]> {
  const base = join(dir, report.process, report.runId.replace(/:/g, '-'));
  await writeAtomically(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  await writeAtomically(`${base}.md`, markdown(report));
  await writeAtomically(`${base}.html`, htmlReport(report));
  return [`${base}.json`, `${base}.md`, `${base}.html`];
}

export function markdown(r: LogsReport): string {
  const s = r.statistics;
  const zone = r.timeZone ?? 'UTC';
  const local = (iso: string | null) => (iso === null ? '-' : wallClock(iso, zone));
  const out: string[] = [
    `# Logs report: ${r.process}`,
    '',
    `Run ${r.runId}, ${r.format}, stored in \`${r.database}\`.`,
    '',
    `| files | lines | entries | rejected | excluded | blank | joined | not UTF-8 | errors | error rate |`,
    `|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
    `| ${r.totals.files} | ${r.totals.lines} | ${r.totals.entries} | ${r.totals.rejected} | ${r.totals.excluded} | ${r.totals.blank} | ${r.totals.joined} | ${r.totals.invalidUtf8} | ${s.errors} | ${pct(s.errorRate)} |`,
    '',
    `Entries from ${local(s.firstTime)} to ${local(s.lastTime)} (${zone})${s.bytes !== undefined ? `; ${humanBytes(s.bytes)} served` : ''}. An error is: ${r.errorRule}.`,
    '',
    '## Files',
    '',
    table(['file', 'status', 'lines', 'entries', 'rejected', 'excluded', 'joined', 'errors'], r.files.map((f) => [f.path, f.status + (f.sameAs ? ` (as ${f.sameAs})` : '') + (f.error ? `: ${f.error}` : ''), f.lines, f.entries, f.rejected, f.excluded, f.joined, f.stats?.errors ?? '-'])),
  ];
  if (s.statuses) out.push('', '## Statuses', '', table(['status', 'entries'], Object.entries(s.statuses)));
  if (s.severities) out.push('', '## Severities', '', table(['severity', 'entries'], Object.entries(s.severities)));
  for (const [name, top] of Object.entries(s.top)) {
    out.push('', `## Top ${name.replace('_', ' ')}s (${top.distinct} distinct${top.approximate ? `, counts may be short by up to ${top.maxUndercount}` : ''})`, '', table([name, 'entries'], top.values.map((v) => [v.value, v.count])));
  }
  out.push('', '## Entries per hour', '', table([`hour (${zone})`, 'entries', 'errors'], s.perHour.map((h) => [local(h.hour), h.entries, h.errors])));
  out.push('', '## Hours whose error rate stands out', '');
  out.push(r.anomalies.length ? table([`hour (${zone})`, 'entries', 'errors', 'why'], r.anomalies.map((a) => [local(a.hour), a.entries, a.errors, a.rule])) : 'None.');
  if (r.cleaning.length) out.push('', '## Cleaning', '', table(['rule', 'excluded'], r.cleaning.map((c) => [c.rule, c.excluded])));
  if (r.patterns) {
    out.push('', `## Message templates (${r.patterns.templates.length}${r.patterns.evicted ? `; ${r.patterns.evicted} rare ones dropped` : ''})`, '');
    out.push(table(['template', 'count', 'example'], r.patterns.templates.slice(0, 50).map((t) => [t.template, t.count, t.examples[0] ?? ''])));
  }
  out.push('', `## Rejected lines (${r.rejects.count})`, '');
  if (r.rejects.count) {
    out.push(table(['reason', 'lines'], r.rejects.reasons.map((x) => [x.reason, x.count])), '', 'First examples (all are in the `rejects` table):', '');
    out.push(table(['file:line', 'reason', 'text'], r.rejects.examples.map((e) => [`${e.file}:${e.line}`, e.reason, e.text.slice(0, 120)])));
  } else out.push('None.');
  return `${out.join('\n')}\n`;
}

function table(head: string[], rows: Array<Array<string | number>>): string {
  const cell = (v: string | number) => String(v).replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
