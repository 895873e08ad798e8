import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import type { ProcessResult, RunSummary } from '../core/result.js';
import { Alerts } from './alerts.js';
import { Bookkeeping } from './bookkeeping.js';
import { openDatabase } from './database.js';
import { Locks } from './locks.js';
import { listRuns, readRun, runIdsMatching, type ListedRun, type RunDetail, type RunFilter } from './run-queries.js';
import { storeReason, StoreUnusableError } from './store-error.js';

export interface RunRecord {
  runId: string;
  startedAt: string;
  finishedAt?: string;
  /** As recorded; "running" for a run whose `main` is still going, or died without finishing it. */
  status: string;
  configDir: string;
  host: string;
  pid: number;
  processes: Array<Pick<ProcessResult, 'name' | 'type' | 'status' | 'durationMs'> & { error?: string }>;
}

// A run between its start and its end, as far as the store could keep it.
interface OpenRun {
  startedAt: string;
  configDir: string;
  /** Its row is in the store: its results can be recorded as they come (they refer to it). */
  recorded: boolean;
  /** Results not recorded yet: tried again when the run ends. */
  unrecorded: ProcessResult[];
}

export interface StoreOptions {
  /** Told when the store cannot keep a record (the first failure of each kind), and when it can again. */
  onTrouble?(message: string): void;
}

// Every run and every process result, written as they happen so that a crash of `main` loses none. A write
// that fails never stops a run (see Bookkeeping); a run's are tried once more when it finishes.
export class StateStore {
  private readonly db: Database.Database;

  private readonly book: Bookkeeping;

  private readonly open = new Map<string, OpenRun>();

  readonly locks: Locks;

  readonly schedulers: Schedulers;

  readonly alerts: Alerts;

  constructor(
    readonly path: string,
    options: StoreOptions = {},
  ) {
    this.db = openDatabase(path);
    this.book = new Bookkeeping(path, options.onTrouble ?? ((message) => void process.stderr.write(`${message}\n`)));
    this.locks = new Locks(this.db, this.book);
    this.schedulers = new Schedulers(this.db, this.book);
    this.alerts = new Alerts(this.db, this.book);
  }

  // When `main schedule` last fired a process (ISO time), to tell what was missed while none ran; undefined if unknown.
  lastFire(process: string): string | undefined {
    const read = this.book.read('fires', `read when ${process} last fired`, () => this.db.prepare('SELECT last_fire_at FROM schedule_fires WHERE process = ?').pluck().get(process) as string | undefined);
    return read.ok ? read.value : undefined;
  }

  setLastFire(process: string, at: Date): void {
    this.book.write('fires', `record when ${process} fired`, () => this.db.prepare('INSERT OR REPLACE INTO schedule_fires VALUES (?, ?)').run(process, at.toISOString()));
  }

  beginRun(runId: string, startedAt: string, configDir: string): void {
    const recorded = this.book.write('runs', `record the start of run ${runId}`, () =>
      this.db.prepare('INSERT INTO runs (run_id, started_at, status, config_dir, host, pid) VALUES (?, ?, ?, ?, ?, ?)').run(runId, startedAt, 'running', configDir, hostname(), process.pid),
    );
    this.open.set(runId, { startedAt, configDir, recorded, unrecorded: [] });
  }

  recordProcess(runId: string, r: ProcessResult): void {
    const run = this.open.get(runId);
    // A run whose start is not in the store keeps its results for its end: they cannot refer to it yet.
    if (run && !run.recorded) return void run.unrecorded.push(r);
    if (!this.book.write('results', `record the result of ${r.name} (run ${runId})`, () => this.insertResult(runId, r))) run?.unrecorded.push(r);
  }

  // The run's end, written whole (its start too, if that could not be), then the results that could not be
  // written during it: a disk that has room again by then keeps the whole run.
  finishRun(summary: RunSummary): void {
    const run = this.open.get(summary.runId);
    this.open.delete(summary.runId);
    const recorded = this.book.write('runs', `record the end of run ${summary.runId}`, () =>
      this.db
        .prepare(
          `INSERT INTO runs (run_id, started_at, finished_at, status, config_dir, host, pid, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (run_id) DO UPDATE SET finished_at = excluded.finished_at, status = excluded.status, summary = excluded.summary`,
        )
        .run(summary.runId, run?.startedAt ?? summary.startedAt, summary.finishedAt, summary.status, run?.configDir ?? '', hostname(), process.pid, JSON.stringify(summary)),
    );
    if (!recorded && !run?.recorded) return;
    for (const r of run?.unrecorded ?? []) this.book.write('results', `record the result of ${r.name} (run ${summary.runId})`, () => this.insertResult(summary.runId, r));
  }

  private insertResult(runId: string, r: ProcessResult): void {
    const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
    this.db
      .prepare(
        `INSERT OR REPLACE INTO process_results (run_id, name, file, type, status, started_at, duration_ms, records, integrity, error)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(runId, r.name, r.file, r.type, r.status, r.startedAt, r.durationMs, json(r.records), json(r.integrity), json(r.error));
  }

  // The last `limit` runs, newest first, each process's error as its message. A store that cannot be read is a
  // StoreUnusableError (as for every read below).
  history(limit: number): RunRecord[] {
    return this.runs(limit).map((r) => ({ ...r, processes: r.processes.map(({ error, ...p }) => ({ ...p, ...(error ? { error: error.message } : {}) })) }));
  }

  // The last `limit` runs that pass `filter`, newest first, errors as `{code, message}`.
  runs(limit: number, filter: RunFilter = {}): ListedRun[] {
    return this.reading('its runs', () => listRuns(this.db, limit, filter));
  }

  // The ids of the runs `id` names: the run itself, or those whose id begins or ends with it.
  runIdsMatching(id: string): string[] {
    return this.reading('its runs', () => runIdsMatching(this.db, id));
  }

  // One run whole, or undefined.
  run(runId: string): RunDetail | undefined {
    return this.reading(`run ${runId}`, () => readRun(this.db, runId));
  }

  private reading<T>(what: string, read: () => T): T {
    try {
      return read();
    } catch (error) {
      throw new StoreUnusableError(this.path, `reading ${what}: ${storeReason(error)}`, { cause: error });
    }
  }

  close(): void {
    this.db.close();
  }
}

export interface SchedulerRecord {
  host: string;
  pid: number;
  startedAt: string;
  heartbeatAt: string;
  /** Enabled processes it has loaded. */
  processes: number;
}

// Each `main schedule` using the store and its last heartbeat, so that `main health` can tell one is alive. Its
// writes are bookkeeping (`book`); `main health` reads with none.
export class Schedulers {
  private readonly host = hostname();

  constructor(
    private readonly db: Database.Database,
    private readonly book?: Bookkeeping,
  ) {}

  // This scheduler's row, new; rows of schedulers of this host whose process is gone are dropped.
  register(processes: number, now = new Date()): void {
    this.write('record this scheduler', () =>
      this.db.transaction(() => {
        for (const row of this.list(this.host)) if (row.pid !== process.pid && !processAlive(row.pid)) this.db.prepare('DELETE FROM schedulers WHERE host = ? AND pid = ?').run(row.host, row.pid);
        this.db.prepare('INSERT OR REPLACE INTO schedulers VALUES (?, ?, ?, ?, ?)').run(this.host, process.pid, now.toISOString(), now.toISOString(), processes);
      }).immediate(),
    );
  }

  // A sign of life; writes the row again if it was removed meanwhile.
  heartbeat(processes: number, now = new Date()): void {
    this.write("record this scheduler's heartbeat", () =>
      this.db
        .prepare('INSERT INTO schedulers VALUES (?, ?, ?, ?, ?) ON CONFLICT (host, pid) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, processes = excluded.processes')
        .run(this.host, process.pid, now.toISOString(), now.toISOString(), processes),
    );
  }

  unregister(): void {
    this.write('remove this scheduler', () => this.db.prepare('DELETE FROM schedulers WHERE host = ? AND pid = ?').run(this.host, process.pid));
  }

  private write(what: string, write: () => void): void {
    if (this.book) this.book.write('heartbeats', what, write);
    else write();
  }

  // The schedulers of `host` (default: every host), latest heartbeat first; none in a store older than the table.
  list(host?: string): SchedulerRecord[] {
    const exists = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schedulers'").get();
    if (!exists) return [];
    const columns = 'host, pid, started_at AS startedAt, heartbeat_at AS heartbeatAt, processes';
    const rows = host === undefined ? this.db.prepare(`SELECT ${columns} FROM schedulers ORDER BY heartbeat_at DESC`).all() : this.db.prepare(`SELECT ${columns} FROM schedulers WHERE host = ? ORDER BY heartbeat_at DESC`).all(host);
    return rows as SchedulerRecord[];
  }
}

// Whether a process of this host (and PID namespace) is still there; EPERM: it is, under another user.
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false; // 0 and -n would signal process groups
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
