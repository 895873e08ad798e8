import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import type { ChartedDayFigures } from '../lib/days-chart.js';
import type { InterfaceDayNumbers, TrafficUnit } from '../lib/traffic.js';

// The scan kind's SQLite (its `store: { kind: sqlite, path }`), read for the console's charts: the three queries the
// console needs, no more, so that the scan kind may change the rest of its storage without the console knowing.
// Opened read-only: the console never writes a pipeline's database.

export interface ScanDay {
  date: string;
  layer: string;
  interfaces: number;
}

export interface ScanInterface extends InterfaceDayNumbers {
  unit: TrafficUnit;
  /** The day's five-minute averages, oldest first, in `unit` (MRTG's bytes/s ×8 for traffic). */
  series: Array<{ epoch: number; in: number; out: number }>;
}

// One day of an interface in the multi-day view (no five-minute series: the day rows alone).
export interface ScanInterfaceDay extends ChartedDayFigures {
  unit: TrafficUnit;
  samples: number;
  expectedSamples: number;
  utilisationPct?: number;
}

const require = createRequire(import.meta.url);

// The scan database exists but cannot be read as one (damaged, or not a scan kind's database).
export class ScanDatabaseError extends Error {
  override name = 'ScanDatabaseError';
}

export class ScanReader {
  private db?: Database.Database;

  constructor(readonly path: string) {}

  exists(): boolean {
    return existsSync(this.path);
  }

  // Every day and layer summarised, newest day first.
  days(): ScanDay[] {
    return this.read((db) => db.prepare('SELECT date, layer, COUNT(*) AS interfaces FROM scan_daily GROUP BY date, layer ORDER BY date DESC, layer').all() as ScanDay[]);
  }

  // A layer's day: each interface's summary and five-minute series, by interface name.
  day(layer: string, date: string): ScanInterface[] {
    return this.read((db) => this.readDay(db, layer, date));
  }

  private readDay(db: Database.Database, layer: string, date: string): ScanInterface[] {
    const daily = db
      .prepare(
        `SELECT interface, vendor, capacity_gbps AS capacityGbps, samples, expected_samples AS expectedSamples, unit, in_avg AS inAvg, in_max AS inMax,
           in_p95 AS inP95, out_avg AS outAvg, out_max AS outMax, out_p95 AS outP95, utilisation_pct AS utilisationPct
         FROM scan_daily WHERE layer = ? AND date = ? ORDER BY interface`,
      )
      .all(layer, date) as Array<Omit<ScanInterface, 'series'> & { inP95: number | null; outP95: number | null; utilisationPct: number | null }>;
    const samples = db.prepare('SELECT epoch, avg_in AS "in", avg_out AS out FROM scan_samples WHERE layer = ? AND interface = ? AND date = ? ORDER BY epoch');
    return daily.map((d) => {
      const scale = d.unit === 'gauge' ? 1 : 8;
      const series = (samples.all(layer, d.interface, date) as Array<{ epoch: number; in: number; out: number }>).map((s) => ({ epoch: s.epoch, in: s.in * scale, out: s.out * scale }));
      return { ...d, inP95: d.inP95 ?? undefined, outP95: d.outP95 ?? undefined, utilisationPct: d.utilisationPct ?? undefined, series };
    });
  }

  // An interface's last `limit` days (at most), oldest first: the daily figures of each, as the scan kind stored them.
  interfaceDays(layer: string, name: string, limit: number): ScanInterfaceDay[] {
    return this.read((db) => {
      const rows = db
        .prepare(
          `SELECT date, unit, samples, expected_samples AS expectedSamples, in_avg AS inAvg, in_p95 AS inP95, in_max AS inMax, out_avg AS outAvg,
             out_p95 AS outP95, out_max AS outMax, utilisation_pct AS utilisationPct
           FROM scan_daily WHERE layer = ? AND interface = ? ORDER BY date DESC LIMIT ?`,
        )
        .all(layer, name, limit) as Array<ScanInterfaceDay & { inP95: number | null; outP95: number | null; utilisationPct: number | null }>;
      return rows.reverse().map((r) => ({ ...r, inP95: r.inP95 ?? undefined, outP95: r.outP95 ?? undefined, utilisationPct: r.utilisationPct ?? undefined }));
    });
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }

  // A database not there (yet) reads as empty.
  private read<T extends unknown[]>(query: (db: Database.Database) => T): T {
    if (!this.db && !this.exists()) return [] as unknown as T;
    try {
      if (!this.db) {
        const Sqlite = require('better-sqlite3') as typeof Database;
        this.db = new Sqlite(this.path, { readonly: true, fileMustExist: true });
        this.db.pragma('busy_timeout = 10000');
      }
      return query(this.db);
    } catch (error) {
      throw new ScanDatabaseError(`cannot read the scan database ${this.path}: ${(error as Error).message}`, { cause: error });
    }
  }
}
