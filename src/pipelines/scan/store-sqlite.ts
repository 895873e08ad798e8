import { openSqlite } from '../../lib/sqlite.js';
import type { InterfaceDay, ScanStoreWriter } from './store.js';

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
  const deleteSamples = db.prepare('DELETE FROM scan_samples WHERE layer = ? AND interface = ? AND date = ?');
  const deleteDaily = db.prepare('DELETE FROM scan_daily WHERE layer = ? AND interface = ? AND date = ?');
  const insertSample = db.prepare('INSERT OR REPLACE INTO scan_samples VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const insertDaily = db.prepare('INSERT INTO scan_daily VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const replaceOne = (d: InterfaceDay) => {
    deleteSamples.run(d.layer, d.interface, d.date);
    deleteDaily.run(d.layer, d.interface, d.date);
    for (const r of d.rows) insertSample.run(d.layer, d.interface, d.date, r.epoch, r.avgIn, r.avgOut, r.maxIn, r.maxOut);
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
