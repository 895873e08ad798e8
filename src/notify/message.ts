import type { ProcessResult, RunSummary } from '../core/result.js';
import type { AlertEvent } from './schema.js';

// One alert: what happened to which process, in which run, on which host. Built from the run's results, which
// the run's redactor has masked already: no secret reaches an alert.
export interface Alert {
  event: AlertEvent;
  process: ProcessResult;
  run: Pick<RunSummary, 'runId' | 'startedAt' | 'finishedAt' | 'status'>;
  host: string;
}

// "nightly failed on db1": the subject of a mail, the title of a card.
export function headline(a: Alert): string {
  const what = a.event === 'recovery' ? 'recovered' : a.event === 'success' ? 'succeeded' : a.process.status === 'timeout' ? 'timed out' : 'failed';
  return `${a.process.name} ${what} on ${a.host}`;
}

// The facts every format shows, in order; the error apart (errorLine).
export function facts(a: Alert): Array<[string, string]> {
  const p = a.process;
  const rows: Array<[string, string]> = [
    ['Process', p.name],
    ['Kind', p.type],
    ['Status', p.status.toUpperCase()],
    ['Host', a.host],
    ['File', p.file],
    ['Started', p.startedAt],
    ['Duration', `${(p.durationMs / 1000).toFixed(1)} s`],
  ];
  if (p.records) rows.push(['Records', `${p.records.read.toLocaleString('en-US')} read, ${p.records.written.toLocaleString('en-US')} written, ${p.records.rejected.toLocaleString('en-US')} rejected`]);
  if (p.integrity) {
    const failed = p.integrity.checks.filter((c) => !c.ok).length;
    rows.push(['Integrity', p.integrity.ok ? `ok (${p.integrity.checks.length} checks)` : `FAILED (${failed} of ${p.integrity.checks.length} checks)`]);
  }
  rows.push(['Run', a.run.runId]);
  return rows;
}

export function errorLine(a: Alert): string | undefined {
  return a.process.error ? `${a.process.error.code}: ${a.process.error.message}` : undefined;
}

// The plain-text body of a mail (and the fallback text of a chat message).
export function plainText(a: Alert): string {
  const width = Math.max(...facts(a).map(([k]) => k.length));
  const error = errorLine(a);
  return `${headline(a)}.\n\n${facts(a).map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`).join('\n')}\n${error ? `\nError: ${error}\n` : ''}\n-- \nSysAdminToolkit\n`;
}

// The body a `webhook` notifier POSTs (docs/notify.md): version 1, extended, never broken.
export function webhookBody(a: Alert, sentAt: Date): Record<string, unknown> {
  return { version: 1, event: a.event, host: a.host, sentAt: sentAt.toISOString(), process: a.process, run: a.run };
}
