import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import type { Entry, Family } from './formats/index.js';
import { LINE_BITS, SCHEMA, TABLES } from './tables.js';

const require = createRequire(import.meta.url);

export type TailKind = 'entry' | 'reject' | 'excluded' | 'blank';

export interface FileRecord {
  id: number;
  path: string;
  format: string;
  size: number;
  sha256: string;
  lines: number;
  head_len: number;
  head_sha256: string;
  resume_offset: number;
  resume_line: number;
  /** What the unfinished last line was counted as (entry, reject, excluded, blank), taken back when it is read again. */
  tail_kind: TailKind | null;
  source_size: number;
  source_mtime_ms: number;
  gzip: number;
  entries: number;
  rejected: number;
  excluded: number;
  first_ingested_at: string;
  ingested_at: string;
}

// Where a file stands after a commit: the content up to `size` is in, lines from `resume_line` (at
// `resume_offset`) are read again next time.
export type FileState = Omit<FileRecord, 'id' | 'first_ingested_at' | 'ingested_at'>;

// The logs database: entries by family, files with their position, rejects, and each run's statistics.
export class LogStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    const Sqlite = require('better-sqlite3') as typeof Database;
    this.db = new Sqlite(path);
    this.db.pragma('journal_mode = WAL');
    // Each commit holds entries and the file's position together; NORMAL keeps them consistent across a crash
    // (a power cut may lose the last commits, and the next run reads those lines again).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 30000');
    this.db.exec(SCHEMA);
  }

  // The record of a file seen at this path with this size and modification time (nothing to read again).
  unchanged(path: string, size: number, mtimeMs: number): FileRecord | undefined {
    return this.db.prepare('SELECT * FROM files WHERE path = ? AND source_size = ? AND source_mtime_ms = ? ORDER BY id DESC LIMIT 1').get(path, size, Math.trunc(mtimeMs)) as FileRecord | undefined;
  }

  record(id: number): FileRecord | undefined {
    return this.db.prepare('SELECT * FROM files WHERE id = ?').get(id) as FileRecord | undefined;
  }

  headLengths(): number[] {
    return (this.db.prepare('SELECT DISTINCT head_len FROM files').pluck().all() as number[]).sort((a, b) => b - a);
  }

  withHead(length: number, sha256: string): FileRecord[] {
    return this.db.prepare('SELECT * FROM files WHERE head_len = ? AND head_sha256 = ? ORDER BY size DESC').all(length, sha256) as FileRecord[];
  }

  // Seen again (a rotated name, a copy, the same file): remember where, so the next run can skip it unread.
  touch(id: number, path: string, sourceSize: number, mtimeMs: number): void {
    this.db.prepare('UPDATE files SET path = ?, source_size = ?, source_mtime_ms = ? WHERE id = ?').run(path, sourceSize, Math.trunc(mtimeMs), id);
  }

  writer(family: Family, existing: FileRecord | undefined): FileWriter {
    return new FileWriter(this.db, family, existing);
  }

  // Rows stored for a file: what the integrity check compares with the file's own counters.
  stored(family: Family, fileId: number): { entries: number; rejected: number } {
    const entries = this.db.prepare(`SELECT count(*) FROM ${TABLES[family].name} WHERE id >= ? AND id < ?`).pluck().get(fileId * LINE_BITS, (fileId + 1) * LINE_BITS) as number;
    const rejected = this.db.prepare('SELECT count(*) FROM rejects WHERE file_id = ?').pluck().get(fileId) as number;
    return { entries, rejected };
  }

  saveRun(runId: string, process: string, stats: unknown): void {
    this.db.prepare('INSERT OR REPLACE INTO log_runs VALUES (?, ?, ?, ?)').run(runId, process, new Date().toISOString(), JSON.stringify(stats));
  }

  close(): void {
    this.db.close();
  }
}

// Rows per INSERT statement: one call into SQLite for many rows is most of the speed of a bulk load.
const ROWS_PER_INSERT = 64;

// The rows of one file, written as they come inside an open transaction; each commit moves the file's
// position in the same transaction, so a crash or a kill leaves the rows and the position in agreement.
export class FileWriter {
  private id: number | undefined;
  private open = false;
  private firstCommit = true;
  private rowsInTransaction = 0;
  private readonly width: number;
  private readonly columns: (typeof TABLES)[Family]['columns'];
  private readonly params: unknown[];
  private filled = 0;
  private readonly insertMany: Database.Statement;
  private readonly insertOne: Database.Statement;
  private readonly insertReject: Database.Statement;
  private readonly insertFile: Database.Statement;
  private readonly updateFile: Database.Statement;
  private readonly clearFrom: Database.Statement;
  private readonly clearRejectsFrom: Database.Statement;

  constructor(private readonly db: Database.Database, family: Family, existing: FileRecord | undefined) {
    this.id = existing?.id;
    const table = TABLES[family];
    this.columns = table.columns;
    const names = ['id', 'file_id', 'line', ...table.columns.map(([n]) => n)];
    this.width = names.length;
    this.params = new Array(this.width * ROWS_PER_INSERT);
    const row = `(${names.map(() => '?').join(', ')})`;
    const insert = `INSERT OR REPLACE INTO ${table.name} (${names.join(', ')}) VALUES `;
    this.insertMany = db.prepare(insert + Array(ROWS_PER_INSERT).fill(row).join(', '));
    this.insertOne = db.prepare(insert + row);
    this.insertReject = db.prepare('INSERT OR REPLACE INTO rejects VALUES (?, ?, ?, ?)');
    // A new file gets its id before its first row, in the same transaction; its first commit fills the record in.
    this.insertFile = db.prepare(`INSERT INTO files (path, format, size, sha256, lines, head_len, head_sha256, resume_offset, resume_line, source_size, source_mtime_ms, gzip, entries, rejected, excluded, first_ingested_at, ingested_at)
      VALUES (?, ?, 0, '', 0, -1, '', 0, 1, -1, -1, ?, 0, 0, 0, ?, ?) RETURNING id`);
    this.updateFile = db.prepare(`UPDATE files SET path = @path, size = @size, sha256 = @sha256, lines = @lines, head_len = @head_len, head_sha256 = @head_sha256, resume_offset = @resume_offset,
      resume_line = @resume_line, tail_kind = @tail_kind, source_size = @source_size, source_mtime_ms = @source_mtime_ms, entries = @entries, rejected = @rejected, excluded = @excluded, ingested_at = @now WHERE id = @id`);
    this.clearFrom = db.prepare(`DELETE FROM ${table.name} WHERE id >= ? AND id < ?`);
    this.clearRejectsFrom = db.prepare('DELETE FROM rejects WHERE file_id = ? AND line >= ?');
  }

  get fileId(): number | undefined {
    return this.id;
  }

  // Rows written since the last commit.
  get pending(): number {
    return this.rowsInTransaction;
  }

  // Open the file's transaction: take an id for a new file, drop what a previous run stored from `fromLine` on.
  begin(path: string, format: string, gzip: boolean, fromLine: number): void {
    this.db.exec('BEGIN IMMEDIATE');
    this.open = true;
    const now = new Date().toISOString();
    if (this.id === undefined) this.id = (this.insertFile.get(path, format, gzip ? 1 : 0, now, now) as { id: number }).id;
    if (this.firstCommit) {
      const base = this.id * LINE_BITS;
      // Continuing a file: the unfinished last line stored last time is read again.
      this.clearFrom.run(base + fromLine, base + LINE_BITS);
      this.clearRejectsFrom.run(this.id, fromLine);
      this.firstCommit = false;
    }
  }

  add(line: number, entry: Entry, text: string): void {
    const p = this.params;
    let at = this.filled * this.width;
    p[at++] = this.id! * LINE_BITS + line;
    p[at++] = this.id;
    p[at++] = line;
    for (const column of this.columns) p[at++] = column[2](entry, text);
    this.rowsInTransaction++;
    if (++this.filled === ROWS_PER_INSERT) {
      this.insertMany.run(p);
      this.filled = 0;
    }
  }

  reject(line: number, reason: string, text: Buffer): void {
    this.insertReject.run(this.id, line, reason, text);
    this.rowsInTransaction++;
  }

  // Make everything so far durable together with the file's new position, and go on in a new transaction.
  commit(state: FileState, final = false): void {
    for (let r = 0; r < this.filled; r++) this.insertOne.run(this.params.slice(r * this.width, (r + 1) * this.width));
    this.filled = 0;
    this.updateFile.run({ ...state, source_mtime_ms: Math.trunc(state.source_mtime_ms), now: new Date().toISOString(), id: this.id });
    this.db.exec('COMMIT');
    this.open = false;
    this.rowsInTransaction = 0;
    if (!final) {
      this.db.exec('BEGIN IMMEDIATE');
      this.open = true;
    }
  }

  // After an error: what was not committed is not there, and the file's position says so.
  rollback(): void {
    if (this.open && this.db.inTransaction) this.db.exec('ROLLBACK');
    this.open = false;
    this.filled = 0;
  }
}
