import type Database from 'better-sqlite3';
import type { Checkpoints } from '../pipelines/types.js';
import { openDatabase } from './database.js';

// A process's checkpoints, opened on first use so that kinds without checkpoints never touch the store.
export function openCheckpoints(statePath: string, processName: string): Checkpoints & { close(): void } {
  let db: Database.Database | undefined;
  const open = () => (db ??= openDatabase(statePath));
  return {
    get<T>(key: string): T | undefined {
      const row = open().prepare('SELECT value FROM checkpoints WHERE process = ? AND key = ?').get(processName, key) as { value: string } | undefined;
      return row ? (JSON.parse(row.value) as T) : undefined;
    },
    set(key, value) {
      open()
        .prepare(
          `INSERT INTO checkpoints (process, key, value, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (process, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        )
        .run(processName, key, JSON.stringify(value), new Date().toISOString());
    },
    delete(key) {
      open().prepare('DELETE FROM checkpoints WHERE process = ? AND key = ?').run(processName, key);
    },
    entries() {
      const rows = open().prepare('SELECT key, value FROM checkpoints WHERE process = ? ORDER BY key').all(processName) as Array<{ key: string; value: string }>;
      return rows.map((r) => [r.key, JSON.parse(r.value)] as [string, unknown]);
    },
    close() {
      db?.close();
      db = undefined;
    },
  };
}
