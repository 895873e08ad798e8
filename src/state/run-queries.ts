import type Database from 'better-sqlite3';
import type { ProcessResult, RunSummary } from '../core/result.js';

// What `main history` can ask for. `status` is the run's as recorded ("skipped": every process of it was skipped,
// none ran), or with `process` that process's status in the run.
export interface RunFilter {
  process?: string;
  status?: string;
  /** ISO time: runs started at or after it. */
  since?: string;
}

/** A run's process as listed: its error in the summary's shape. */
export type ListedProcess = Pick<ProcessResult, 'name' | 'type' | 'status' | 'durationMs' | 'error'>;

export interface ListedRun {
  runId: string;
  startedAt: string;
  finishedAt?: string;
  /** As recorded; "running" for a run whose `main` is still going, or died without finishing it. */
  status: string;
  configDir: string;
  host: string;
  pid: number;
  processes: ListedProcess[];
}

/** One run whole: each process as the run summary has it (reports only once the run has finished). */
export interface RunDetail extends Omit<ListedRun, 'processes'> {
  processes: ProcessResult[];
}

type Row = Record<string, string | number | null>;

// Every process of the run skipped: none ran (a run held back by the one still going, or all disabled).
const ALL_SKIPPED = `EXISTS (SELECT 1 FROM process_results p WHERE p.run_id = runs.run_id)
  AND NOT EXISTS (SELECT 1 FROM process_results p WHERE p.run_id = runs.run_id AND p.status <> 'skipped')`;

// The last `limit` runs that pass `filter`, newest first.
export function listRuns(db: Database.Database, limit: number, filter: RunFilter = {}): ListedRun[] {
  const where: string[] = [];
  const params: Array<string | number> = [];
  if (filter.since !== undefined) (where.push('started_at >= ?'), params.push(filter.since));
  if (filter.process !== undefined) {
    const status = filter.status === undefined ? '' : ' AND p.status = ?';
    where.push(`EXISTS (SELECT 1 FROM process_results p WHERE p.run_id = runs.run_id AND p.name = ?${status})`);
    params.push(filter.process, ...(filter.status === undefined ? [] : [filter.status]));
  } else if (filter.status === 'skipped') where.push(`status = 'success' AND ${ALL_SKIPPED}`);
  else if (filter.status === 'success') where.push(`status = 'success' AND NOT (${ALL_SKIPPED})`);
  else if (filter.status !== undefined) (where.push('status = ?'), params.push(filter.status));
  const sql = `SELECT run_id, started_at, finished_at, status, config_dir, host, pid FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY started_at DESC, run_id DESC LIMIT ?`;
  const results = db.prepare('SELECT name, type, status, duration_ms, error FROM process_results WHERE run_id = ? ORDER BY started_at, name');
  return (db.prepare(sql).all(...params, limit) as Row[]).map((r) => ({
    ...runOf(r),
    processes: (results.all(r.run_id) as Row[]).map((p) => ({
      name: String(p.name),
      type: String(p.type),
      status: p.status as ProcessResult['status'],
      durationMs: Number(p.duration_ms),
      ...(p.error ? { error: errorOf(String(p.error)) } : {}),
    })),
  }));
}

// The ids of the runs `id` names: itself, or the runs whose id begins or ends with it (`…-3f2a`, `2026-11-23T04`).
export function runIdsMatching(db: Database.Database, id: string): string[] {
  const exact = db.prepare('SELECT run_id FROM runs WHERE run_id = ?').pluck().all(id) as string[];
  if (exact.length) return exact;
  return db
    .prepare('SELECT run_id FROM runs WHERE substr(run_id, 1, length(@id)) = @id OR substr(run_id, -length(@id)) = @id ORDER BY started_at DESC LIMIT 20')
    .pluck()
    .all({ id }) as string[];
}

// One run with every process whole; undefined when the store has no such run.
export function readRun(db: Database.Database, runId: string): RunDetail | undefined {
  const r = db.prepare('SELECT run_id, started_at, finished_at, status, config_dir, host, pid, summary FROM runs WHERE run_id = ?').get(runId) as Row | undefined;
  if (!r) return undefined;
  const rows = db.prepare('SELECT * FROM process_results WHERE run_id = ? ORDER BY started_at, name').all(runId) as Row[];
  const processes = rows.map((p): ProcessResult => ({
    name: String(p.name),
    file: String(p.file),
    type: String(p.type),
    status: p.status as ProcessResult['status'],
    startedAt: String(p.started_at),
    durationMs: Number(p.duration_ms),
    ...(p.records ? { records: JSON.parse(String(p.records)) as ProcessResult['records'] } : {}),
    ...(p.integrity ? { integrity: JSON.parse(String(p.integrity)) as ProcessResult['integrity'] } : {}),
    ...(p.error ? { error: errorOf(String(p.error)) } : {}),
  }));
  // The reports a process wrote are in the run's summary, written when it ended.
  const summary = r.summary ? (JSON.parse(String(r.summary)) as RunSummary) : undefined;
  for (const p of processes) {
    const reports = summary?.processes.find((s) => s.name === p.name)?.reports;
    if (reports?.length) p.reports = reports;
  }
  return { ...runOf(r), processes };
}

function runOf(r: Row): Omit<ListedRun, 'processes'> {
  return {
    runId: String(r.run_id),
    startedAt: String(r.started_at),
    ...(r.finished_at === null ? {} : { finishedAt: String(r.finished_at) }),
    status: String(r.status),
    configDir: String(r.config_dir),
    host: String(r.host),
    pid: Number(r.pid),
  };
}

function errorOf(json: string): { code: string; message: string } {
  const e = JSON.parse(json) as { code?: string; message?: string };
  return { code: e.code ?? 'E_PIPELINE', message: e.message ?? '' };
}
