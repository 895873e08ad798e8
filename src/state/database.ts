import type Database from 'better-sqlite3';
import { openSqlite } from '../lib/sqlite.js';
import { storeReason, StoreUnusableError } from './store-error.js';

// Each entry moves the schema one version up; never edit a shipped entry, add one.
const MIGRATIONS = [
  `CREATE TABLE runs (
     run_id TEXT PRIMARY KEY,
     started_at TEXT NOT NULL,
     finished_at TEXT,
     status TEXT NOT NULL,
     config_dir TEXT NOT NULL,
     host TEXT NOT NULL,
     pid INTEGER NOT NULL,
     summary TEXT
   );
   CREATE TABLE process_results (
     run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
     name TEXT NOT NULL,
     file TEXT NOT NULL,
     type TEXT NOT NULL,
     status TEXT NOT NULL,
     started_at TEXT NOT NULL,
     duration_ms INTEGER NOT NULL,
     records TEXT,
     integrity TEXT,
     error TEXT,
     PRIMARY KEY (run_id, name)
   );
   CREATE INDEX process_results_by_name ON process_results(name, started_at);
   CREATE TABLE checkpoints (
     process TEXT NOT NULL,
     key TEXT NOT NULL,
     value TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (process, key)
   );`,
  // `main schedule`: one holder per lock (no run of a process starts twice), and when each process last fired.
  `CREATE TABLE locks (
     name TEXT PRIMARY KEY,
     host TEXT NOT NULL,
     pid INTEGER NOT NULL,
     acquired_at TEXT NOT NULL,
     heartbeat_at TEXT NOT NULL
   );
   CREATE TABLE schedule_fires (
     process TEXT PRIMARY KEY,
     last_fire_at TEXT NOT NULL
   );`,
  // Every `main schedule` on the store and its last sign of life, for `main health`.
  `CREATE TABLE schedulers (
     host TEXT NOT NULL,
     pid INTEGER NOT NULL,
     started_at TEXT NOT NULL,
     heartbeat_at TEXT NOT NULL,
     processes INTEGER NOT NULL,
     PRIMARY KEY (host, pid)
   );`,
  // `notify:`: what each notifier was last told of each process (failing or ok), so that it alerts on a change.
  `CREATE TABLE alerts (
     process TEXT NOT NULL,
     notifier TEXT NOT NULL,
     health TEXT NOT NULL,
     run_id TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     PRIMARY KEY (process, notifier)
   );`,
];

// Open (and create or migrate) the state store. WAL lets the parent and its children write side by side.
// A store that cannot be opened is a StoreUnusableError, which names it and says what to do.
export function openDatabase(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    // A checkpoint that says "copied up to here" must survive a power cut, not only a crash.
    db = openSqlite(path, { synchronous: 'FULL', busyTimeoutMs: 10_000 });
    db.pragma('foreign_keys = ON');
    migrate(db, path);
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof StoreUnusableError) throw error;
    throw new StoreUnusableError(path, storeReason(error), { cause: error });
  }
}

function migrate(db: Database.Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new StoreUnusableError(path, `it was written by a newer version (schema ${version}, this build knows ${MIGRATIONS.length})`, { advice: 'Use the version of main that wrote it, or pass another --state.' });
  }
  // A store that is up to date is not written to: opening it works on a full disk, and to read its history.
  if (version === MIGRATIONS.length) return;
  db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const current = db.pragma('user_version', { simple: true }) as number;
    for (let v = current; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
