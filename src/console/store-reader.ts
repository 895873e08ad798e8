import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import type { Integrity, Records } from '../core/pipeline.js';
import { openDatabase } from '../state/database.js';
import { storeReason, StoreUnusableError } from '../state/store-error.js';
import { processAlive } from '../state/store.js';

export interface RunFilter {
  process?: string;
  status?: string;
  /** ISO time: runs started at or after it. */
  since?: string;
  limit: number;
}

export interface ProcessRow {
  name: string;
  file: string;
  type: string;
  status: string;
  startedAt: string;
  durationMs: number;
  records?: Records;
  integrity?: Integrity;
  error?: { code: string; message: string };
  /** The files it wrote, from the run's summary (written when the run ended). */
  reports?: string[];
}

/** A logs process's result that wrote reports: the run's summary says where. */
export interface LogsReportRow {
  runId: string;
  process: string;
  startedAt: string;
  status: string;
  records?: Records;
  reports: string[];
}

export interface RunRow {
  runId: string;
  startedAt: string;
  finishedAt?: string;
  /** As recorded, but "abandoned" for a run marked running whose `main` of this host is gone. */
  status: string;
  durationMs?: number;
  host: string;
  processes: ProcessRow[];
}

/** One process's latest results, oldest first (the last is its latest). */
export interface ProcessHistory {
  name: string;
  type: string;
  runs: Array<ProcessRow & { runId: string }>;
}

/** A process under way: its lock in the store, held by a `main` (or scheduler, worker) still alive. */
export interface RunningProcess {
  process: string;
  since: string;
  host: string;
  pid: number;
}

/** What the live view watches: who runs now, and a key that changes when a run starts or ends. */
export interface LiveState {
  running: RunningProcess[];
  runs: string;
}

/** A lock whose heartbeat is older than this is a holder that died elsewhere (the orchestrator's STALE_MS). */
const STALE_LOCK_MS = 60_000;

export const RUN_STATUSES = ['success', 'failed', 'interrupted', 'running', 'abandoned'] as const;

// The state store read for the console, through the store's own opening (which migrates an older store, as every
// command does). A store not created yet reads as empty until a run creates it.
export class StoreReader {
  private db?: Database.Database;

  constructor(readonly path: string) {}

  runs(filter: RunFilter): RunRow[] {
    return this.read('its runs', [], (db) => {
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.process !== undefined) (where.push('run_id IN (SELECT run_id FROM process_results WHERE name = ?)'), params.push(filter.process));
      // "abandoned" is a run recorded as running whose `main` is gone: found among the running ones.
      if (filter.status !== undefined) (where.push('status = ?'), params.push(filter.status === 'abandoned' ? 'running' : filter.status));
      if (filter.since !== undefined) (where.push('started_at >= ?'), params.push(filter.since));
      const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, run_id DESC LIMIT ?`;
      const rows = db.prepare(sql).all(...params, filter.limit) as StoredRun[];
      const runs = rows.map((r) => this.toRun(db, r));
      return filter.status === undefined ? runs : runs.filter((r) => r.status === filter.status);
    });
  }

  run(runId: string): RunRow | undefined {
    return this.read(`run ${runId}`, undefined, (db) => {
      const row = db.prepare('SELECT * FROM runs WHERE run_id = ?').get(runId) as StoredRun | undefined;
      return row && this.toRun(db, row);
    });
  }

  // Every process the store has results of, by name, with its last `perProcess` results.
  processes(perProcess: number): ProcessHistory[] {
    return this.read('its process results', [], (db) => {
      const names = db.prepare('SELECT DISTINCT name FROM process_results ORDER BY name').pluck().all() as string[];
      const recent = db.prepare('SELECT * FROM process_results WHERE name = ? ORDER BY started_at DESC LIMIT ?');
      return names.map((name) => {
        const runs = (recent.all(name, perProcess) as StoredResult[]).reverse().map((r) => ({ runId: r.run_id, ...toProcess(r) }));
        return { name, type: runs.at(-1)!.type, runs };
      });
    });
  }

  // Results whose integrity check failed, by process: every one the store keeps.
  integrityFailures(): Map<string, number> {
    return this.read('its integrity checks', new Map(), (db) => {
      const rows = db.prepare("SELECT name, COUNT(*) AS n FROM process_results WHERE json_extract(integrity, '$.ok') = 0 GROUP BY name").all() as Array<{ name: string; n: number }>;
      return new Map(rows.map((r) => [r.name, r.n]));
    });
  }

  // The processes running now: a lock held, by a live process on this host or, from another host, with a fresh
  // heartbeat (its holder beats every 10 s).
  running(now = Date.now()): RunningProcess[] {
    return this.read('its locks', [], (db) => {
      const rows = db.prepare("SELECT substr(name, 9) AS process, acquired_at AS since, heartbeat_at AS beat, host, pid FROM locks WHERE name LIKE 'process:%' ORDER BY name").all() as Array<RunningProcess & { beat: string }>;
      const here = hostname();
      return rows
        .filter((r) => (r.host === here ? processAlive(r.pid) : now - Date.parse(r.beat) < STALE_LOCK_MS))
        .map(({ process, since, host, pid }) => ({ process, since, host, pid }));
    });
  }

  live(): LiveState {
    const runs = this.read('its runs', '0', (db) => {
      const r = db.prepare("SELECT COUNT(*) AS n, MAX(COALESCE(finished_at, '')) AS last FROM runs").get() as { n: number; last: string | null };
      return `${r.n}:${r.last ?? ''}`;
    });
    return { running: this.running(), runs };
  }

  // The last `limit` results of logs processes that wrote reports, newest first.
  logsReports(limit: number): LogsReportRow[] {
    return this.read('its logs reports', [], (db) => {
      const rows = db
        .prepare(
          `SELECT runs.run_id AS runId, json_extract(p.value, '$.name') AS process, json_extract(p.value, '$.startedAt') AS startedAt,
             json_extract(p.value, '$.status') AS status, json_extract(p.value, '$.records') AS records, json_extract(p.value, '$.reports') AS reports
           FROM runs, json_each(runs.summary, '$.processes') AS p
           WHERE runs.summary IS NOT NULL AND json_extract(p.value, '$.type') = 'logs' AND json_array_length(p.value, '$.reports') > 0
           ORDER BY runs.started_at DESC, runs.run_id DESC, process LIMIT ?`,
        )
        .all(limit) as Array<Omit<LogsReportRow, 'records' | 'reports'> & { records: string | null; reports: string }>;
      return rows.map(({ records, reports, ...r }) => ({ ...r, ...(records ? { records: JSON.parse(records) as Records } : {}), reports: JSON.parse(reports) as string[] }));
    });
  }

  processNames(): string[] {
    return this.read('its processes', [], (db) => db.prepare('SELECT DISTINCT name FROM process_results ORDER BY name').pluck().all() as string[]);
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }

  // `none` is the answer of a store not created yet.
  private read<T>(what: string, none: T, query: (db: Database.Database) => T): T {
    if (!this.db && !existsSync(this.path)) return none;
    try {
      this.db ??= openDatabase(this.path);
      return query(this.db);
    } catch (error) {
      if (error instanceof StoreUnusableError) throw error;
      throw new StoreUnusableError(this.path, `reading ${what}: ${storeReason(error)}`, { cause: error });
    }
  }

  private toRun(db: Database.Database, r: StoredRun): RunRow {
    const results = db.prepare('SELECT * FROM process_results WHERE run_id = ? ORDER BY started_at, name').all(r.run_id) as StoredResult[];
    const abandoned = r.status === 'running' && r.host === hostname() && !processAlive(r.pid);
    const summary = r.summary ? (JSON.parse(r.summary) as { processes?: Array<{ name: string; reports?: string[] }> }) : undefined;
    const reportsOf = (name: string) => summary?.processes?.find((p) => p.name === name)?.reports;
    return {
      runId: r.run_id,
      startedAt: r.started_at,
      ...(r.finished_at ? { finishedAt: r.finished_at, durationMs: Date.parse(r.finished_at) - Date.parse(r.started_at) } : {}),
      status: abandoned ? 'abandoned' : r.status,
      host: r.host,
      processes: results.map((p) => {
        const reports = reportsOf(p.name);
        return { ...toProcess(p), ...(reports?.length ? { reports } : {}) };
      }),
    };
  }
}

interface StoredRun {
  run_id: string;
  started_at: string;
  finished_at: string | null;
  status: string;
  host: string;
  pid: number;
  summary: string | null;
}

interface StoredResult {
  run_id: string;
  name: string;
  file: string;
  type: string;
  status: string;
  started_at: string;
  duration_ms: number;
  records: string | null;
  integrity: string | null;
  error: string | null;
}

function toProcess(r: StoredResult): ProcessRow {
  return {
    name: r.name,
    file: r.file,
    type: r.type,
    status: r.status,
    startedAt: r.started_at,
    durationMs: r.duration_ms,
    ...(r.records ? { records: JSON.parse(r.records) as Records } : {}),
    ...(r.integrity ? { integrity: JSON.parse(r.integrity) as Integrity } : {}),
    ...(r.error ? { error: JSON.parse(r.error) as { code: string; message: string } } : {}),
  };
}

