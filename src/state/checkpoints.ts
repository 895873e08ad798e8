import type Database from 'better-sqlite3';
import type { Checkpoints } from '../core/pipeline.js';
import { Bookkeeping } from './bookkeeping.js';
import { openDatabase } from './database.js';
import { storeReason, StoreUnusableError } from './store-error.js';

// A process's checkpoints, opened on first use so that kinds without checkpoints never touch the store.
// A checkpoint that cannot be saved costs work, not data (the next run resumes from the one before): it is
// reported through `onTrouble` and the pipeline goes on. One that cannot be read throws: where to resume is unknown.
export function openCheckpoints(statePath: string, processName: string, onTrouble: (message: string) => void = (message) => void process.stderr.write(`${message}\n`)): Checkpoints & { close(): void } {
  let db: Database.Database | undefined;
  const book = new Bookkeeping(statePath, onTrouble);
  const open = () => (db ??= openDatabase(statePath));
  const read = <T>(what: string, query: () => T): T => {
    try {
      return query();
    } catch (error) {
      if (error instanceof StoreUnusableError) throw error;
      throw new Error(`reading ${what} from the state store ${statePath}: ${storeReason(error)}`, { cause: error });
    }
  };
  return {
    get<T>(key: string): T | undefined {
      const row = read(`checkpoint "${key}"`, () => open().prepare('SELECT value FROM checkpoints WHERE process = ? AND key = ?').get(processName, key) as { value: string } | undefined);
      return row ? (JSON.parse(row.value) as T) : undefined;
    },
    set(key, value) {
      book.write('checkpoints', `save checkpoint "${key}" of ${processName}`, () =>
        open()
          .prepare(
            `INSERT INTO checkpoints (process, key, value, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (process, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
          )
          .run(processName, key, JSON.stringify(value), new Date().toISOString()),
      );
    },
    delete(key) {
      book.write('checkpoints', `delete checkpoint "${key}" of ${processName}`, () => open().prepare('DELETE FROM checkpoints WHERE process = ? AND key = ?').run(processName, key));
    },
    entries() {
      const rows = read('the checkpoints', () => open().prepare('SELECT key, value FROM checkpoints WHERE process = ? ORDER BY key').all(processName) as Array<{ key: string; value: string }>);
      return rows.map((r) => [r.key, JSON.parse(r.value)] as [string, unknown]);
    },
    close() {
      db?.close();
      db = undefined;
    },
  };
}
