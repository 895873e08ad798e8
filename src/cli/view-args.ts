import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../lib/duration.js';
import { UsageError } from './usage-error.js';

// The arguments of the commands that look at runs and at the queue (history, logs-of, next, queue retry|clean|
// pause|resume), and the checks of their values: commander's options for them are in args.ts.

// `main queue retry|clean|pause|resume`.
export interface QueueAdminArgs {
  command: 'queue-admin';
  action: 'retry' | 'clean' | 'pause' | 'resume';
  queue: string;
  /** retry: these jobs (default: every failed one). */
  jobIds?: string[];
  /** clean: seconds since the job finished. */
  olderThan: number;
  /** clean: which finished jobs. */
  states: Array<'completed' | 'failed'>;
  json: boolean;
}

export interface HistoryArgs {
  command: 'history';
  /** One run whole (`main history RUN_ID`), instead of the list. */
  runId?: string;
  limit: number;
  process?: string;
  status?: string;
  /** ISO time: runs started at or after it. */
  since?: string;
  state: string;
  /** Default DEFAULT_LOG_DIR: read only for RUN_ID's lines. */
  logDir?: string;
  json: boolean;
}

export interface LogsOfArgs {
  command: 'logs-of';
  runId: string;
  process?: string;
  follow: boolean;
  json: boolean;
  state: string;
  logDir: string;
}

/** `main schedule --list`, `main next`: the next run times of each enabled process. */
export interface NextArgs {
  command: 'next';
  config: string;
  timezone: string;
  count: number;
  json: boolean;
}

// How many next run times `main next` prints of each process unless --count says.
export const NEXT_COUNT = 3;

export const RUN_STATUSES = ['success', 'failed', 'interrupted', 'skipped', 'running', 'abandoned'];
export const PROCESS_STATUSES = ['success', 'failed', 'timeout', 'interrupted', 'skipped'];

export function historyArgs(runId: string | undefined, o: Record<string, unknown>): Omit<HistoryArgs, 'command'> {
  const status = o.status as string | undefined;
  const statuses = o.process === undefined ? RUN_STATUSES : PROCESS_STATUSES;
  if (status !== undefined && !statuses.includes(status)) throw new UsageError(`expected --status to be one of ${statuses.join(', ')}${o.process === undefined ? '' : ' (with --process)'}, got "${status}"`);
  if (runId !== undefined && (status !== undefined || o.since !== undefined)) throw new UsageError('--status and --since choose runs to list; with RUN_ID there is one run');
  return { runId, limit: o.limit as number, process: o.process as string | undefined, status, since: o.since as string | undefined, state: o.state as string, logDir: o.logDir as string | undefined, json: Boolean(o.json) };
}

// `--since 7d` (that long ago), `--since 2026-11-23` (00:00 UTC) or `--since 2026-11-23T04:00:00Z`: an ISO time.
export function since(value: string): string {
  const seconds = parseDuration(value);
  if (seconds !== undefined) return new Date(Date.now() - seconds * 1000).toISOString();
  const at = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(at)) throw new InvalidArgumentError(`expected --since to be a duration such as "7d" or "12h", a day such as 2026-11-23 or an ISO 8601 time, got "${value}"`);
  return new Date(at).toISOString();
}

export function nextArgs(o: Record<string, unknown>): NextArgs {
  return { command: 'next', config: o.config as string, timezone: o.timezone as string, count: (o.count as number | undefined) ?? NEXT_COUNT, json: Boolean(o.json) };
}

// `queue clean`: --completed, --failed, or both when neither is given.
export function finishedStates(o: Record<string, unknown>): QueueAdminArgs['states'] {
  const states: QueueAdminArgs['states'] = [];
  if (o.completed) states.push('completed');
  if (o.failed) states.push('failed');
  return states.length ? states : ['completed', 'failed'];
}
