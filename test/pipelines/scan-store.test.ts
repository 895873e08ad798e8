import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/pipelines/scan/store-sqlite.js';
import type { InterfaceDay } from '../../src/pipelines/scan/store.js';
import type { DailySummary } from '../../src/pipelines/scan/summary.js';
import { Workspace } from '../helpers/cli.js';

// The scan's SQLite store: a day of an interface is one row, scan_samples a view with the old table's columns, and a
// database written before that (one row per sample) is moved over and reads the same.
const START = Date.UTC(2026, 10, 22) / 1000;
const summary: DailySummary = { layer: 'BORDE', interface: 'core-1', vendor: 'HUAWEI', capacityGbps: 10, samples: 2, expectedSamples: 288, missingSamples: 286, gauge: false, inAvg: 1, inMax: 2, inP95: 1, outAvg: 1, outMax: 2, outP95: 1, utilisationPct: 0.1 };
const day = (date: string, start: number, rows: InterfaceDay['rows'], name = 'core-1'): InterfaceDay => ({ layer: 'BORDE', interface: name, vendor: 'HUAWEI', date, dayStart: start, dayEnd: start + 86_400, rows, summary: { ...summary, interface: name } });
const ALL = 'SELECT layer, interface, date, epoch, avg_in, avg_out, max_in, max_out FROM scan_samples ORDER BY layer, interface, epoch';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

describe("scan's SQLite store", () => {
  it('stores a day as one row and reads it back through scan_samples, values up to 2^53 - 1 as integers; a day stored again replaces it', async () => {
    const path = ws.path('scan.db');
    const store = openSqliteStore(path);
    const big = 2 ** 53 - 1;
    expect(await store.replaceDays([day('2026-11-22', START, [{ epoch: START + 300, avgIn: 0, avgOut: big, maxIn: 2 ** 31, maxOut: 7 }, { epoch: START + 600, avgIn: 1, avgOut: 2, maxIn: 3, maxOut: 4 }])])).toBe(2);
    expect(await store.replaceDays([day('2026-11-23', START + 86_400, [{ epoch: START + 86_700, avgIn: 5, avgOut: 5, maxIn: 5, maxOut: 5 }])])).toBe(1);
    await store.close();
    const again = openSqliteStore(path);
    await again.replaceDays([day('2026-11-22', START, [{ epoch: START + 900, avgIn: 9, avgOut: 9, maxIn: 9, maxOut: 9 }])]);
    await again.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare(ALL).all()).toEqual([
      { layer: 'BORDE', interface: 'core-1', date: '2026-11-22', epoch: START + 900, avg_in: 9, avg_out: 9, max_in: 9, max_out: 9 },
      { layer: 'BORDE', interface: 'core-1', date: '2026-11-23', epoch: START + 86_700, avg_in: 5, avg_out: 5, max_in: 5, max_out: 5 },
    ]);
    expect(db.prepare('SELECT count(*) AS n FROM scan_sample_days').get()).toEqual({ n: 2 });
    expect(db.prepare('SELECT count(*) AS n FROM scan_daily').get()).toEqual({ n: 2 });
    db.close();
    const first = openSqliteStore(ws.path('first.db'));
    await first.replaceDays([day('2026-11-22', START, [{ epoch: START + 300, avgIn: 0, avgOut: big, maxIn: 2 ** 31, maxOut: 7 }])]);
    await first.close();
    const exact = new Database(ws.path('first.db'), { readonly: true });
    expect(exact.prepare('SELECT typeof(epoch) AS t, avg_out, max_in FROM scan_samples').safeIntegers().get()).toEqual({ t: 'integer', avg_out: BigInt(big), max_in: 2n ** 31n });
    exact.close();
  });

  it('moves the rows of a database written one row per sample into one row per day, and reads them the same', async () => {
    const path = ws.path('old.db');
    const old = new Database(path);
    old.exec(`CREATE TABLE scan_samples (
      layer TEXT NOT NULL, interface TEXT NOT NULL, date TEXT NOT NULL, epoch INTEGER NOT NULL,
      avg_in INTEGER NOT NULL, avg_out INTEGER NOT NULL, max_in INTEGER NOT NULL, max_out INTEGER NOT NULL,
      PRIMARY KEY (layer, interface, epoch)
    ) WITHOUT ROWID;
    CREATE TABLE scan_daily (
      layer TEXT NOT NULL, interface TEXT NOT NULL, date TEXT NOT NULL, vendor TEXT NOT NULL, capacity_gbps REAL NOT NULL,
      samples INTEGER NOT NULL, expected_samples INTEGER NOT NULL, missing_samples INTEGER NOT NULL,
      in_avg REAL NOT NULL, in_max REAL NOT NULL, in_p95 REAL, out_avg REAL NOT NULL, out_max REAL NOT NULL, out_p95 REAL,
      utilisation_pct REAL, unit TEXT NOT NULL,
      PRIMARY KEY (layer, interface, date)
    ) WITHOUT ROWID;`);
    const insert = old.prepare('INSERT INTO scan_samples VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    // Inserted newest first, two interfaces and two days: the move keeps each day's rows oldest first.
    for (const [name, date, epoch, v] of [['b/2', '2026-11-23', START + 86_700, 2 ** 53 - 1], ['b/2', '2026-11-22', START + 600, 3], ['b/2', '2026-11-22', START + 300, 2], ['a', '2026-11-22', START + 300, 1]] as const) {
      insert.run('BORDE', name, date, epoch, v, v, v, v);
    }
    old.prepare("INSERT INTO scan_daily VALUES ('BORDE', 'a', '2026-11-22', 'HUAWEI', 10, 1, 288, 287, 8, 8, 8, 8, 8, 8, NULL, 'bit/s')").run();
    const before = old.prepare(ALL).all();
    old.close();

    const store = openSqliteStore(path);
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare(ALL).all()).toEqual(before);
    expect(db.prepare("SELECT type FROM sqlite_master WHERE name = 'scan_samples'").get()).toEqual({ type: 'view' });
    expect(db.prepare("SELECT samples FROM scan_sample_days WHERE interface = 'b/2' AND date = '2026-11-22'").get()).toEqual({ samples: `[[${START + 300},2,2,2,2],[${START + 600},3,3,3,3]]` });
    expect(db.prepare('SELECT count(*) AS n FROM scan_daily').get()).toEqual({ n: 1 });
    db.close();
  });

  it('refuses a database of a newer schema, naming it, and leaves it as it is', () => {
    const path = ws.path('newer.db');
    const newer = new Database(path);
    newer.pragma('user_version = 9');
    newer.close();
    expect(() => openSqliteStore(path)).toThrow(`the scan database ${path} was written by a newer version (schema 9, this build knows 2)`);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM sqlite_master').get()).toEqual({ n: 0 });
    db.close();
  });
});
