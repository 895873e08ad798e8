import type Database from 'better-sqlite3';
import { openSqlite } from '../../lib/sqlite.js';
import { writeWhole } from './digits.js';
import type { Sample } from './mrtg.js';
import type { InterfaceDay, ScanStoreWriter } from './store.js';

// Each entry moves the schema one version up (PRAGMA user_version); never edit a shipped entry, add one.
const MIGRATIONS = [
  // 1. One row per interface and five minutes. A database written before versions were counted is at 0 with these
  //    tables already there: IF NOT EXISTS takes it as it is.
  `CREATE TABLE IF NOT EXISTS scan_samples (
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
   ) WITHOUT ROWID;`,
  // 2. One row per interface and day, its samples a JSON array of [epoch, avg_in, avg_out, max_in, max_out], oldest
  //    first: 288 B-tree insertions keyed by text were a fifth of a scan's CPU. scan_samples becomes a view with the
  //    table's columns, so every query that read it reads the same rows; the rows stored are moved over.
  `CREATE TABLE scan_sample_days (
     layer TEXT NOT NULL, interface TEXT NOT NULL, date TEXT NOT NULL, samples TEXT NOT NULL,
     PRIMARY KEY (layer, interface, date)
   );
   INSERT INTO scan_sample_days
     SELECT layer, interface, date, json_group_array(json_array(epoch, avg_in, avg_out, max_in, max_out) ORDER BY epoch)
     FROM scan_samples GROUP BY layer, interface, date;
   DROP TABLE scan_samples;
   CREATE VIEW scan_samples AS
     SELECT d.layer AS layer, d.interface AS interface, d.date AS date,
       json_extract(s.value, '$[0]') AS epoch, json_extract(s.value, '$[1]') AS avg_in, json_extract(s.value, '$[2]') AS avg_out,
       json_extract(s.value, '$[3]') AS max_in, json_extract(s.value, '$[4]') AS max_out
     FROM scan_sample_days AS d, json_each(d.samples) AS s;`,
];

// SQLite (WAL): the day of each interface is written again, replacing what was stored for that date, all in one
// transaction.
export function openSqliteStore(path: string): ScanStoreWriter {
  const db = openSqlite(path, { synchronous: 'FULL', busyTimeoutMs: 10_000 });
  try {
    migrate(db, path);
  } catch (error) {
    db.close();
    throw error;
  }
  // INSERT OR REPLACE: the interface's row of that date, if any, goes first. The samples' JSON is bound as bytes
  // (SQLite copies them) and stored as text: no 12 KB string per interface to make, convert and collect.
  const insertSamples = db.prepare('INSERT OR REPLACE INTO scan_sample_days VALUES (?, ?, ?, CAST(? AS TEXT))');
  const insertDaily = db.prepare('INSERT OR REPLACE INTO scan_daily VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const replaceOne = (d: InterfaceDay) => {
    insertSamples.run(d.layer, d.interface, d.date, samplesJson(d.rows));
    const s = d.summary;
    insertDaily.run(d.layer, d.interface, d.date, d.vendor, s.capacityGbps, s.samples, s.expectedSamples, s.missingSamples, s.inAvg, s.inMax, s.inP95 ?? null, s.outAvg, s.outMax, s.outP95 ?? null, s.utilisationPct ?? null, s.gauge ? 'gauge' : 'bit/s');
  };
  // The whole batch in one transaction: one commit (and one fsync) instead of one per interface.
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

// Brings the database to the newest schema, in one transaction; a database of a newer version is refused, not changed.
function migrate(db: Database.Database, path: string): void {
  const newer = (version: number) => new Error(`the scan database ${path} was written by a newer version (schema ${version}, this build knows ${MIGRATIONS.length}): use that version, or another store.path`);
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) throw newer(version);
  if (version === MIGRATIONS.length) return;
  db.transaction(() => {
    // Read again inside the write lock: another scan may have migrated meanwhile.
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) throw newer(current);
    for (let v = current; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

// `[[epoch,avg_in,avg_out,max_in,max_out],…]`, oldest first, as ASCII bytes, its digits written straight into one
// buffer: building it from strings cost more than SQLite takes to store it. The buffer is reused: the bytes hold
// only until the next call.
function samplesJson(rows: Sample[]): Buffer {
  if (scratch.length < rows.length * ROW_BYTES + 2) scratch = Buffer.allocUnsafe(rows.length * ROW_BYTES + 2);
  const out = scratch;
  let at = 0;
  out[at++] = OPEN;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (i > 0) out[at++] = COMMA;
    out[at++] = OPEN;
    at = writeWhole(out, at, r.epoch);
    out[at++] = COMMA;
    at = writeWhole(out, at, r.avgIn);
    out[at++] = COMMA;
    at = writeWhole(out, at, r.avgOut);
    out[at++] = COMMA;
    at = writeWhole(out, at, r.maxIn);
    out[at++] = COMMA;
    at = writeWhole(out, at, r.maxOut);
    out[at++] = CLOSE;
  }
  out[at++] = CLOSE;
  return out.subarray(0, at);
}

// Five numbers of at most 16 digits, their brackets and commas.
const ROW_BYTES = 5 * 16 + 7;
let scratch = Buffer.allocUnsafe(300 * ROW_BYTES + 2);
const OPEN = 0x5b;
const CLOSE = 0x5d;
const COMMA = 0x2c;
