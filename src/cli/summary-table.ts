import type { ProcessResult, RunSummary } from '../core/result.js';
import { shownStatus } from '../orchestrator/summary.js';
import { count } from './progress-display.js';
import { renderTable, seconds } from './table.js';

// The summary a person reads after a run: one row per process, the reason under each that did not succeed.
export function renderSummary(summary: RunSummary): string {
  const rows = summary.processes.map((p) => [p.name, p.type, p.status.toUpperCase(), seconds(p.durationMs), records(p), integrity(p)]);
  const table = renderTable(['PROCESS', 'TYPE', 'STATUS', 'DURATION', 'RECORDS (read/written/rejected)', 'INTEGRITY'], rows).split('\n');
  const out = [table[0]!];
  summary.processes.forEach((p, i) => {
    out.push(table[i + 1]!);
    if (p.error && p.status !== 'skipped') out.push(`    ${p.error.code}: ${p.error.message}`);
    else if (p.error) out.push(`    ${p.error.message}`);
    for (const report of p.reports ?? []) out.push(`    report: ${report}`);
  });
  const counts = countBy(summary.processes);
  const took = seconds(Date.parse(summary.finishedAt) - Date.parse(summary.startedAt));
  const lost = (summary.logFileFailures ?? []).map((f) => `Log file ${f.file}: ${f.linesLost} line(s) not written (${f.error}).\n`).join('');
  const notes = lost + notified(summary);
  return `\nRun ${summary.runId}: ${shownStatus(summary).toUpperCase()} (${counts}) in ${took}\n\n${out.join('\n')}\n${notes ? `\n${notes}` : ''}`;
}

// As the live line counts them (1,234,567); a process that failed or was stopped shows what it did get.
function records(p: ProcessResult): string {
  return p.records ? `${count(p.records.read)}/${count(p.records.written)}/${count(p.records.rejected)}` : '-';
}

function integrity(p: ProcessResult): string {
  if (!p.integrity) return '-';
  const failed = p.integrity.checks.filter((c) => !c.ok).length;
  const n = p.integrity.checks.length;
  return p.integrity.ok ? `ok (${n} check${n === 1 ? '' : 's'})` : `FAILED (${failed} of ${n})`;
}

function countBy(processes: readonly ProcessResult[]): string {
  const counts = new Map<string, number>();
  for (const p of processes) counts.set(p.status, (counts.get(p.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n} ${status}`).join(', ') || 'no processes';
}

// "Alerts: 1 sent, 1 failed (see the log)." when the run sent any.
function notified({ notifications: n }: RunSummary): string {
  if (!n || n.sent + n.failed === 0) return '';
  return `Alerts: ${n.sent} sent${n.failed ? `, ${n.failed} failed (see the log)` : ''}.\n`;
}
