import type { ProcessSpec } from '../core/process.js';
import { compile } from '../lib/cron.js';

// The next `count` times a process runs at its `schedule`, after `from` (default: now), in its zone (else
// `timezone`, the one `main schedule --timezone` gives). None for a process without a schedule. For
// `main schedule --list`, and the scheduler's own log line.
export function nextRuns(process: Pick<ProcessSpec, 'schedule'>, count: number, from: Date = new Date(), timezone?: string): Date[] {
  if (!process.schedule || count < 1) return [];
  return compile(process.schedule.cron, process.schedule.timezone ?? timezone).nextRuns(count, from);
}
