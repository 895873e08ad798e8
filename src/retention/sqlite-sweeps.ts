import { existsSync } from 'node:fs';
import { openSqlite } from '../lib/sqlite.js';
import { TABLES } from '../pipelines/logs/tables.js';

/** A test's look inside a sweep: called after each table's delete, before the commit. */
export type AfterDelete = (table: string) => void;

// Runs of the state store that finished and started before `cutoff` (ISO), with their process results (ON DELETE
// CASCADE), in one transaction: a prune stopped anywhere leaves every run whole or gone. How many runs.
export function sweepRuns(statePath: string, cutoff: string, dryRun: boolean, afterDelete?: AfterDelete): number {
  if (!existsSync(statePath)) return 0;
  const db = openSqlite(statePath, { synchronous: 'FULL', busyTimeoutMs: 10_000 });
  try {
    db.pragma('foreign_keys = ON');
    const where = 'finished_at IS NOT NULL AND started_at < ?';
    if (dryRun) return (db.prepare(`SELECT COUNT(*) AS n FROM runs WHERE ${where}`).get(cutoff) as { n: number }).n;
    return db.transaction(() => {
      const n = db.prepare(`DELETE FROM runs WHERE ${where}`).run(cutoff).changes;
      afterDelete?.('runs');
      return n;
    }).immediate();
  } finally {
    db.close();
  }
}

// The logs kind's rows of files last ingested before `cutoff` (ISO): their entries and rejects, and the run
// statistics of runs that finished before it, in one transaction. The `files` rows stay, so that a file already
// read is not read again. How many rows.
export function sweepLogEntries(database: string, cutoff: string, dryRun: boolean, afterDelete?: AfterDelete): number {
  if (!existsSync(database)) return 0;
  const db = openSqlite(database, { synchronous: 'NORMAL', busyTimeoutMs: 30_000 });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
    const present = new Set(tables.map((t) => t.name));
    if (!present.has('files')) return 0;
    const old = 'file_id IN (SELECT id FROM files WHERE ingested_at < ?)';
    const statements = [...Object.values(TABLES).map((t) => t.name), 'rejects'].filter((t) => present.has(t)).map((t): [string, string] => [t, old]);
    if (present.has('log_runs')) statements.push(['log_runs', 'finished_at < ?']);
    if (dryRun) return statements.reduce((n, [t, w]) => n + (db.prepare(`SELECT COUNT(*) AS n FROM ${t} WHERE ${w}`).get(cutoff) as { n: number }).n, 0);
    return db.transaction(() => {
      let n = 0;
      for (const [t, w] of statements) {
        n += db.prepare(`DELETE FROM ${t} WHERE ${w}`).run(cutoff).changes;
        afterDelete?.(t);
      }
      return n;
    }).immediate();
  } finally {
    db.close();
  }
}
