import type { ProcessSpec } from '../core/process.js';
import { ErrorCode } from '../core/errors.js';
import type { ProcessResult, RunStatus, RunSummary } from '../core/result.js';

export function runStatus(results: readonly ProcessResult[], interrupted: boolean): RunStatus {
  if (interrupted) return 'interrupted';
  // A process interrupted from outside (its child got a SIGTERM) did not succeed either.
  return results.every((r) => r.status === 'success' || r.status === 'skipped') ? 'success' : 'failed';
}

// DESIGN.md's exit codes: 0 all good, 1 a process failed, 130/143 interrupted by SIGINT/SIGTERM.
export function exitCodeOf(summary: RunSummary, signal?: NodeJS.Signals): number {
  if (summary.status === 'interrupted') return signal === 'SIGTERM' ? 143 : 130;
  return summary.status === 'success' ? 0 : 1;
}

// `2026-11-23T04:00:00.000Z-3f2a`: sortable, and unique enough for runs started in the same millisecond.
export function newRunId(now = new Date()): string {
  return `${now.toISOString()}-${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0')}`;
}

// The result of a process that did not run, and why.
export function skipped(spec: Pick<ProcessSpec, 'name' | 'file' | 'type'>, why: string): ProcessResult {
  return { name: spec.name, file: spec.file, type: spec.type, status: 'skipped', startedAt: new Date().toISOString(), durationMs: 0, error: { code: ErrorCode.Skipped, message: why } };
}

// A run as a person reads it: "skipped" when none of its processes ran (each skipped: the previous run of it was
// still going, or it is disabled), else its status. The summary JSON keeps "success" (DESIGN.md's run statuses).
export function shownStatus(run: { status: string; processes: ReadonlyArray<{ status: string }> }): string {
  const noneRan = run.processes.length > 0 && run.processes.every((p) => p.status === 'skipped');
  return run.status === 'success' && noneRan ? 'skipped' : run.status;
}
