import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import type { Entry, Family } from './formats/index.js';
import { LINE_BITS, MAX_FILES, SCHEMA, SCHEMA_VERSION, TABLES } from './tables.js';

const require = createRequire(import.meta.url);

export type TailKind = 'entry' | 'reject' | 'excluded' | 'blank';

export interface FileRecord {
  id: number;
  process: string;
  format: string;
  path: string;
  gzip: number;
  size: number;
  sha256: string;
  lines: number;
  head_len: number;
  head_sha256: string;
  resume_offset: number;
  resume_line: number;
  /** What the unfinished last line was counted as (entry, reject, excluded, blank), taken back when it is read again. */
  tail_kind: TailKind | null;
  entries: number;
  rejected: number;
  excluded: number;
  first_ingested_at: string;
  ingested_at: string;
}

// Where a file stands after a commit: the content up to `size` is in, lines from `resume_line` (at
// `resume_offset`) are read again next time.
export type FileState = Pick<FileRecord, 'path' | 'size' | 'sha256' | 'lines' | 'head_len' | 'head_sha256' | 'resume_offset' | 'resume_line' | 'tail_kind' | 'entries' | 'rejected' | 'excluded'>;

/** The file as found on disk, for the next run's quick check. */
export interface SourceStat {
  path: string;
  size: number;
  mtimeMs: number;
}

// The logs database of one process: entries by family, files with their position, rejects, each run's statistics.
export class LogStore {
  private readonly db: Database.Database;

  constructor(path: string, readonly process: string, readonly format: string) {
    mkdirSync(dirname(path), { recursive: true });
    const Sqlite = require('better-sqlite3') as typeof Database;
    this.db = new Sqlite(path);
    try {
      // First: processes opening a new database at once wait for each other from the very first statement.
      this.db.pragma('busy_timeout = 30000');
      this.db.pragma('journal_mode = WAL');
      // Each commit holds entries and the file's position together; NORMAL keeps them consistent across a crash
      // (a power cut may lose the last commits, and the next run reads those lines again).
      this.db.pragma('synchronous = NORMAL');
      // A batch of 20,000 lines stays in memory until its commit instead of spilling pages to the WAL twice.
      this.db.pragma('cache_size = -65536');
      const version = this.db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw new Error(`it was written by a newer version (schema ${version}, this build knows ${SCHEMA_VERSION})`);
      this.db.transaction(() => {
        this.db.exec(SCHEMA);
        this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }).immediate();
    } catch (error) {
      this.db.close();
      throw new Error(`opening the logs database ${path}: ${(error as Error).message}`, { cause: error });
    }
  }

  // The file last seen at this path with this size and modification time: nothing to read again.
  unchanged(source: SourceStat): FileRecord | undefined {
    return this.db
      .prepare('SELECT f.* FROM seen_paths s JOIN files f ON f.id = s.file_id WHERE s.process = ? AND s.path = ? AND s.source_size = ? AND s.source_mtime_ms = ? AND f.format = ?')
      .get(this.process, source.path, source.size, Math.trunc(source.mtimeMs), this.format) as FileRecord | undefined;
  }

  record(id: number): FileRecord | undefined {
    return this.db.prepare('SELECT * FROM files WHERE id = ?').get(id) as FileRecord | undefined;
  }

  headLengths(): number[] {
    return this.db.prepare('SELECT DISTINCT head_len FROM files WHERE process = ? AND format = ? ORDER BY head_len DESC').pluck().all(this.process, this.format) as number[];
  }

  withHead(length: number, sha256: string): FileRecord[] {
    return this.db.prepare('SELECT * FROM files WHERE process = ? AND format = ? AND head_len = ? AND head_sha256 = ? ORDER BY size DESC').all(this.process, this.format, length, sha256) as FileRecord[];
  }

  // The SHA-256 of a file's content up to `size`, if a commit was made exactly there.
  versionAt(fileId: number, size: number): string | undefined {
    return this.db.prepare('SELECT sha256 FROM file_versions WHERE file_id = ? AND size = ?').pluck().get(fileId, size) as string | undefined;
  }

  // Seen again under this name (a rotated name, a copy, the same file): the next run skips it unread.
  touch(id: number, source: SourceStat): void {
    this.db.prepare('INSERT OR REPLACE INTO seen_paths VALUES (?, ?, ?, ?, ?)').run(this.process, source.path, source.size, Math.trunc(source.mtimeMs), id);
  }

  writer(family: Family, existing: FileRecord | undefined): FileWriter {
    return new FileWriter(this.db, this, family, existing);
  }

  // Rows stored for a file: what the integrity check compares with the file's own counters.
  stored(family: Family, fileId: number): { entries: number; rejected: number } {
    const entries = this.db.prepare(`SELECT count(*) FROM ${TABLES[family].name} WHERE id >= ? AND id < ?`).pluck().get(fileId * LINE_BITS, (fileId + 1) * LINE_BITS) as number;
    const rejected = this.db.prepare('SELECT count(*) FROM rejects WHERE file_id = ?').pluck().get(fileId) as number;
    return { entries, rejected };
  }

  saveRun(runId: string, stats: unknown): void {
    this.db.prepare('INSERT OR REPLACE INTO log_runs VALUES (?, ?, ?, ?)').run(runId, this.process, new Date().toISOString(), JSON.stringify(stats));
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
  private readonly insertVersion: Database.Statement;
  private readonly seen: Database.Statement;

  constructor(private readonly db: Database.Database, private readonly store: LogStore, family: Family, existing: FileRecord | undefined) {
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
    this.insertFile = db.prepare(`INSERT INTO files (process, format, path, gzip, size, sha256, lines, head_len, head_sha256, resume_offset, resume_line, entries, rejected, excluded, first_ingested_at, ingested_at)
      VALUES (?, ?, ?, ?, 0, '', 0, -1, '', 0, 1, 0, 0, 0, ?, ?) RETURNING id`);
    this.updateFile = db.prepare(`UPDATE files SET path = @path, size = @size, sha256 = @sha256, lines = @lines, head_len = @head_len, head_sha256 = @head_sha256, resume_offset = @resume_offset,
      resume_line = @resume_line, tail_kind = @tail_kind, entries = @entries, rejected = @rejected, excluded = @excluded, ingested_at = @now WHERE id = @id`);
    this.insertVersion = db.prepare('INSERT OR REPLACE INTO file_versions VALUES (?, ?, ?)');
    this.seen = db.prepare('INSERT OR REPLACE INTO seen_paths VALUES (?, ?, ?, ?, ?)');
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
  begin(path: string, gzip: boolean, fromLine: number): void {
    this.db.exec('BEGIN IMMEDIATE');
    this.open = true;
    const now = new Date().toISOString();
    if (this.id === undefined) this.id = (this.insertFile.get(this.store.process, this.store.format, path, gzip ? 1 : 0, now, now) as { id: number }).id;
    if (this.id >= MAX_FILES) throw new Error(`the logs database holds ${MAX_FILES} files, the most line ids can tell apart; start a new database`);
    if (this.firstCommit) {
      const base = this.id * LINE_BITS;
      // Continuing a file: the unfinished last line stored last time is read again.
      this.clearFrom.run(base + fromLine, base + LINE_BITS);
      this.clearRejectsFrom.run(this.id, fromLine);
      this.firstCommit = false;
    }
  }

  add(line: number, entry: Entry, text: string): void {
    if (line >= LINE_BITS) throw new Error(`line ${line}: a file of more than ${LINE_BITS - 1} lines is beyond what line ids can hold`);
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
  // `source`, at the end of the file: the next run may skip it unread while it stays as it is.
  commit(state: FileState, source?: SourceStat): void {
    for (let r = 0; r < this.filled; r++) this.insertOne.run(this.params.slice(r * this.width, (r + 1) * this.width));
    this.filled = 0;
    this.updateFile.run({ ...state, now: new Date().toISOString(), id: this.id });
    this.insertVersion.run(this.id, state.size, state.sha256);
    if (source) this.seen.run(this.store.process, source.path, source.size, Math.trunc(source.mtimeMs), this.id);
    this.db.exec('COMMIT');
    const final = source !== undefined;
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
