import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';

const require = createRequire(import.meta.url);
const sqlite = () => require('better-sqlite3') as typeof Database;

// A consistent copy of a SQLite database that may be being written: SQLite's online backup, asked to copy every page
// in one step, which reads them in one read transaction (in WAL mode writers go on meanwhile). In smaller steps a
// write between two of them would make SQLite start the copy again, forever under a steady writer. The copy is then
// made one file (journal_mode DELETE, no -wal beside it) and its rows counted per table.
export async function snapshotSqlite(source: string, into: string): Promise<{ tables: Record<string, number>; rows: number }> {
  const Sqlite = sqlite();
  const db = new Sqlite(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    await db.backup(into, { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
  const copy = new Sqlite(into);
  try {
    copy.pragma('journal_mode = DELETE');
    return countRows(copy);
  } finally {
    copy.close();
  }
}

// Rows per table of a database (its own tables, not SQLite's, not views), by name.
export function countRows(db: Database.Database): { tables: Record<string, number>; rows: number } {
  const names = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name").pluck().all() as string[];
  const tables: Record<string, number> = {};
  let rows = 0;
  for (const name of names) {
    tables[name] = db.prepare(`SELECT count(*) FROM "${name.replace(/"/g, '""')}"`).pluck().get() as number;
    rows += tables[name];
  }
  return { tables, rows };
}

// A copy read back: SQLite's own integrity check, and its rows per table.
export function inspectSqlite(file: string): { integrity: string; tables: Record<string, number>; rows: number } {
  const db = new (sqlite())(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('; ');
    return { integrity, ...countRows(db) };
  } finally {
    db.close();
  }
}
