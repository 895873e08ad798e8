import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';

// Loaded on first use: every child process imports the modules that open a database, most never do (14 ms a child).
const require = createRequire(import.meta.url);
let sqlite: typeof Database | undefined;

export interface OpenOptions {
  /** FULL where a commit must survive a power cut (checkpoints), NORMAL where losing the last commits is safe. */
  synchronous: 'FULL' | 'NORMAL';
  busyTimeoutMs: number;
  /** Page cache in KiB (SQLite's default is 2,000). */
  cacheKiB?: number;
}

// A SQLite file in WAL mode, its folder made. busy_timeout comes first: processes opening a new database at
// once then wait for each other from the very first statement (switching to WAL takes a lock).
export function openSqlite(path: string, o: OpenOptions): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  sqlite ??= require('better-sqlite3') as typeof Database;
  const db = new sqlite(path);
  try {
    db.pragma(`busy_timeout = ${o.busyTimeoutMs}`);
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${o.synchronous}`);
    if (o.cacheKiB) db.pragma(`cache_size = -${o.cacheKiB}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
