import type { ProcessResult } from '../core/result.js';
import type { RunDetail } from '../state/run-queries.js';
import { count } from './progress-display.js';
import { formatEntry, type LogEntry } from './run-log.js';
import { seconds } from './table.js';

// `main history RUN_ID`: the run, each process whole (status, time, records, integrity checks, error, reports), then
// its lines from the JSON-lines log.
export function renderRun(run: RunDetail, log: readonly LogEntry[], logDir: string): string {
  const took = run.finishedAt ? ` in ${seconds(Date.parse(run.finishedAt) - Date.parse(run.startedAt))}` : '';
  const out = [
    `Run ${run.runId}: ${run.status.toUpperCase()}${took}`,
    `Started ${run.startedAt}${run.finishedAt ? `, finished ${run.finishedAt}` : ', not finished'}, on ${run.host} (pid ${run.pid}), process files ${run.configDir || '-'}`,
    '',
  ];
  if (!run.processes.length) out.push('No process result recorded.');
  for (const p of run.processes) out.push(...processLines(p));
  out.push('', log.length ? `Log lines (${log.length}, from ${logDir}):` : `No log lines of this run in ${logDir}.`);
  for (const e of log) out.push(formatEntry(e));
  return `${out.join('\n')}\n`;
}

function processLines(p: ProcessResult): string[] {
  const lines = [`${p.name} (${p.type}): ${p.status.toUpperCase()} in ${seconds(p.durationMs)}, started ${p.startedAt}, from ${p.file}`];
  if (p.records) lines.push(`  records: ${count(p.records.read)} read, ${count(p.records.written)} written, ${count(p.records.rejected)} rejected`);
  if (p.integrity) {
    const failed = p.integrity.checks.filter((c) => !c.ok).length;
    lines.push(`  integrity: ${p.integrity.ok ? 'ok' : 'FAILED'} (${p.integrity.checks.length} check(s)${failed ? `, ${failed} failed` : ''})`);
    for (const c of p.integrity.checks) {
      const what = [c.expected === undefined ? '' : `expected ${show(c.expected)}`, c.actual === undefined ? '' : `got ${show(c.actual)}`, c.detail ?? ''].filter(Boolean).join(', ');
      lines.push(`    ${c.ok ? 'ok    ' : 'FAILED'}  ${c.name}${what ? `: ${what}` : ''}`);
    }
  }
  if (p.error) lines.push(`  error: ${p.error.code}: ${p.error.message}`);
  for (const report of p.reports ?? []) lines.push(`  report: ${report}`);
  return lines;
}

function show(value: unknown): string {
  return typeof value === 'number' ? count(value) : typeof value === 'string' ? value : JSON.stringify(value);
}
