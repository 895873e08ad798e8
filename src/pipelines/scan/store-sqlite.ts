import type Database from 'better-sqlite3';
import { openSqlite } from '../../lib/sqlite.js';
import type { InterfaceDay, ScanStoreWriter } from './store.js';

// Rows of one INSERT: 64 × 5 values and 3 names, well within SQLite's 32,766 parameters; a shorter last piece
// gets a statement of its own length (at most 63 more statements, prepared once).
const ROWS_PER_INSERT = 64;

// WITHOUT ROWID: the primary key is the table, one B-tree to write per sample instead of two.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS scan_samples (
  layer TEXT NOT NULL, interface TEXT NOT NULL, date TEXT NOT NULL, epoch INTEGER NOT NULL,
  avg_in INTEGER NOT NULL, avg_out INTEGER NOT NULL, max_in INTEGER NOT NULL, max_out INTEGER NOT NULL,
  PRIMARY KEY (layer, interface, epoch)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS scan_daily (
  layer TEXT NOT NULL, interface TEXT NOT NULL, date TEXT NOT NULL, vendor TEXT NOT NULL, capacity_gbps REAL NOT NULL,
  samples INTEGER NOT NULL, expected_samples INTEGER NOT NULL, missing_samples INTEGER NOT NULL,
  in_avg REAL NOT NULL, in_max REAL NOT NULL, in_p95 REAL, out_avg REAL NOT NULL, out_max REAL NOT NULL, out_p95 REAL,
  utilisation_pct REAL, unit TEXT NOT NULL,
  PRIMARY KEY (layer, interface, date)
) WITHOUT ROWID;`;

// SQLite (WAL): the day of each interface is deleted and written again, all in one transaction.
export function openSqliteStore(path: string): ScanStoreWriter {
  const db = openSqlite(path, { synchronous: 'FULL', busyTimeoutMs: 10_000 });
  db.exec(SCHEMA);
  // The epoch range lets the primary key find the day instead of reading every day stored for the interface (a
  // year of them after a year); `date` still decides. Two days either side hold every row of that date whatever
  // the time zone it was collected in (local midnights of a date lie within 27 h of each other, a row within 150 s
  // of its slot).
  const deleteSamples = db.prepare('DELETE FROM scan_samples WHERE layer = ? AND interface = ? AND epoch BETWEEN ? AND ? AND date = ?');
  const deleteDaily = db.prepare('DELETE FROM scan_daily WHERE layer = ? AND interface = ? AND date = ?');
  // Many rows to a statement, the interface's layer, name and date bound once for all of them: a call into SQLite
  // per row, and three strings to convert per row, were about a quarter of the store's CPU.
  // Each statement keeps the array of its values, filled again for every run (SQLite has copied them by its end).
  const insertSamples = new Map<number, { statement: Database.Statement; values: number[] }>();
  const insertFor = (rows: number) => {
    let insert = insertSamples.get(rows);
    if (!insert) {
      const statement = db.prepare(`INSERT OR REPLACE INTO scan_samples VALUES ${Array(rows).fill('(@layer, @interface, @date, ?, ?, ?, ?, ?)').join(', ')}`);
      insert = { statement, values: new Array<number>(rows * 5).fill(0) };
      insertSamples.set(rows, insert);
    }
    return insert;
  };
  const insertDaily = db.prepare('INSERT INTO scan_daily VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const replaceOne = (d: InterfaceDay) => {
    deleteSamples.run(d.layer, d.interface, d.dayStart - 2 * 86_400, d.dayEnd + 2 * 86_400, d.date);
    deleteDaily.run(d.layer, d.interface, d.date);
    const names = { layer: d.layer, interface: d.interface, date: d.date };
    for (let first = 0; first < d.rows.length; first += ROWS_PER_INSERT) {
      const last = Math.min(first + ROWS_PER_INSERT, d.rows.length);
      const { statement, values } = insertFor(last - first);
      for (let i = first, v = 0; i < last; i++) {
        const r = d.rows[i]!;
        values[v++] = r.epoch;
        values[v++] = r.avgIn;
        values[v++] = r.avgOut;
        values[v++] = r.maxIn;
        values[v++] = r.maxOut;
      }
      statement.run(values, names);
    }
    const s = d.summary;
    insertDaily.run(d.layer, d.interface, d.date, d.vendor, s.capacityGbps, s.samples, s.expectedSamples, s.missingSamples, s.inAvg, s.inMax, s.inP95 ?? null, s.outAvg, s.outMax, s.outP95 ?? null, s.utilisationPct ?? null, s.gauge ? 'gauge' : 'bit/s');
  };
  // The whole day in one transaction: one commit (and one fsync) instead of one per interface.
  const replaceAll = db.transaction((days: InterfaceDay[]) => {
    for (const d of days) replaceOne(d);
  });
  return {
    async replaceDays(days) {
      replaceAll(days);
      return days.reduce((n, d) => n + d.rows.length, 0);
    },
    async close() {
      db.close();
    },
  };
}
