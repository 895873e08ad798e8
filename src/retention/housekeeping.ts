import { join, resolve } from 'node:path';
import { keepDaysOf, type Housekeeping, type HousekeepingPlace } from '../config/housekeeping-schema.js';
import type { ProcessSpec } from '../core/process.js';
import { JSON_LOG } from '../logging/logger.js';
import { dayFileBefore, filesOlderThan, removeFiles, rotatedOf } from './file-sweeps.js';
import { sweepLogEntries, sweepRuns } from './sqlite-sweeps.js';

export interface HousekeepingWhere {
  housekeeping: Housekeeping | undefined;
  /** The state store (--state). */
  statePath: string;
  /** Where the JSON-lines log is (--log-dir). */
  logDir: string;
  /** `logs serve`'s inbox, when known (`main prune --inbox`). */
  inbox?: string;
  /** The processes of the config folder: their log files, the logs kind's database and reports, scan's data. */
  processes: readonly ProcessSpec[];
  /** The project folder, which the processes' relative paths are read from (the flags' are read from the cwd). */
  base: string;
}

/** What one place lost (or would lose): the rows or files, and why. */
export interface Swept {
  place: HousekeepingPlace;
  /** The database or folder. */
  where: string;
  /** Rows for a database, files for a folder. */
  count: number;
  unit: 'runs' | 'rows' | 'files';
  reason: string;
  /** The files, for a folder. */
  files?: string[];
}

const DAY_MS = 86_400_000;

// Every place with a number of days: what is older goes (`dryRun`: is only counted). One place at a time; a place
// that fails stops the sweep, its error naming it.
export async function sweepHousekeeping(where: HousekeepingWhere, dryRun: boolean, now = new Date()): Promise<Swept[]> {
  const out: Swept[] = [];
  const days = (place: HousekeepingPlace) => keepDaysOf(where.housekeeping, place);
  const cutoffOf = (n: number) => new Date(now.getTime() - n * DAY_MS);
  const reason = (n: number, what: string) => `${what} before ${cutoffOf(n).toISOString()} (keep ${n} day(s))`;
  const files = async (place: HousekeepingPlace, dir: string, n: number, found: string[], what: string) => {
    if (!dryRun) await removeFiles(found);
    if (found.length) out.push({ place, where: dir, count: found.length, unit: 'files', reason: reason(n, what), files: found });
  };

  const runs = days('runs');
  if (runs !== undefined) {
    const count = sweepRuns(where.statePath, cutoffOf(runs).toISOString(), dryRun);
    if (count) out.push({ place: 'runs', where: where.statePath, count, unit: 'runs', reason: reason(runs, 'finished runs started') });
  }
  const logs = days('log_files');
  if (logs !== undefined) {
    const logFiles = new Set([resolve(where.logDir, JSON_LOG), ...where.processes.flatMap((p) => (p.logging?.file ? [resolve(where.base, p.logging.file)] : []))]);
    for (const file of logFiles) {
      const { dir, match } = rotatedOf(file);
      await files('log_files', file, logs, await filesOlderThan(dir, cutoffOf(logs).getTime(), false, match), 'rotated log files last written');
    }
  }
  const processed = days('processed');
  if (processed !== undefined && where.inbox !== undefined) {
    const dir = join(resolve(where.inbox), 'processed');
    await files('processed', dir, processed, await filesOlderThan(dir, cutoffOf(processed).getTime(), false), 'handed-off files last written');
  }
  const logsKind = where.processes.filter((p) => p.type === 'logs');
  const entries = days('logs_entries');
  if (entries !== undefined) {
    for (const database of new Set(logsKind.map((p) => resolve(where.base, String(p.config.database))))) {
      const count = sweepLogEntries(database, cutoffOf(entries).toISOString(), dryRun);
      if (count) out.push({ place: 'logs_entries', where: database, count, unit: 'rows', reason: reason(entries, 'entries and rejects of files last read, and run statistics of runs finished,') });
    }
  }
  const reports = days('reports');
  if (reports !== undefined) {
    for (const p of logsKind) {
      const dir = join(resolve(where.base, String(p.config.reports_dir)), p.name);
      await files('reports', dir, reports, await filesOlderThan(dir, cutoffOf(reports).getTime(), false), 'reports written');
    }
  }
  const scan = days('scan_files');
  if (scan !== undefined) {
    const cutoffDay = cutoffOf(scan).toISOString().slice(0, 10);
    for (const dir of new Set(where.processes.filter((p) => p.type === 'scan').map((p) => resolve(where.base, String(p.config.data_dir))))) {
      await files('scan_files', dir, scan, await filesOlderThan(dir, Infinity, true, dayFileBefore(cutoffDay)), 'day files, CSVs and reports of days');
    }
  }
  return out;
}
