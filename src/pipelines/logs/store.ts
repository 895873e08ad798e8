import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { openSqlite } from '../../lib/sqlite.js';
import type { Entry, Family } from './formats/index.js';
import { LOGS_DB, type FileRecord, type FileState, type SourceStat, type WriterMessage, type WriterReply } from './store-shapes.js';
import { LINE_BITS, SCHEMA, SCHEMA_VERSION, TABLES } from './tables.js';

// Resolved only when run from source; a compiled build never loads tsx.
const TSX_API = import.meta.url.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : '';

// The logs database of one process: entries by family, files with their position, rejects, each run's statistics.
export class LogStore {
  private readonly db: Database.Database;
  private link: WriterLink | undefined;

  constructor(private readonly path: string, readonly process: string, readonly format: string) {
    try {
      // Each commit holds entries and the file's position together; NORMAL keeps them consistent across a crash
      // (a power cut may lose the last commits, and the next run reads those lines again).
      this.db = openSqlite(path, LOGS_DB);
    } catch (error) {
      throw new Error(`opening the logs database ${path}: ${(error as Error).message}`, { cause: error });
    }
    try {
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
    this.link ??= new WriterLink(this.path);
    return new FileWriter(this.link, this, family, existing);
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

  async close(): Promise<void> {
    await this.link?.close();
    this.db.close();
  }
}

// Rows per message to the writer thread.
const ROWS_PER_MESSAGE = 512;

// The rows of one file, handed to the writer thread as they come; it writes them inside an open transaction,
// and each commit moves the file's position in that same transaction, so a crash or a kill leaves the rows
// and the position in agreement. One commit may be in flight while the next batch is read.
export class FileWriter {
  private id: number | undefined;
  private readonly width: number;
  private readonly columns: (typeof TABLES)[Family]['columns'];
  private values: unknown[];
  private filled = 0;
  private rejects: Array<[number, string, Uint8Array]> = [];
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly link: WriterLink, private readonly store: LogStore, private readonly family: Family, existing: FileRecord | undefined) {
    this.id = existing?.id;
    this.columns = TABLES[family].columns;
    this.width = 1 + this.columns.length;
    this.values = new Array(this.width * ROWS_PER_MESSAGE);
  }

  get fileId(): number | undefined {
    return this.id;
  }

  // Open the file's transaction: a new file takes its id; what a previous run stored from `fromLine` on goes.
  begin(path: string, gzip: boolean, fromLine: number): void {
    this.link.send({ op: 'begin', family: this.family, fileId: this.id, process: this.store.process, format: this.store.format, path, gzip, fromLine });
  }

  add(line: number, entry: Entry, text: string): void {
    if (line >= LINE_BITS) throw new Error(`line ${line}: a file of more than ${LINE_BITS - 1} lines is beyond what line ids can hold`);
    const v = this.values;
    let at = this.filled * this.width;
    v[at++] = line;
    for (const column of this.columns) v[at++] = column[2](entry, text);
    if (++this.filled === ROWS_PER_MESSAGE) this.flush();
  }

  reject(line: number, reason: string, text: Buffer): void {
    this.rejects.push([line, reason, text]);
  }

  // Make everything so far durable with the file's new position; `onDone` runs once the writer has committed.
  // Resolves once the commit *before* this one is done (at most one in flight), or, with `source` (the end
  // of the file, remembered for the next run's quick check), once this one is.
  async commit(state: FileState, source: SourceStat | undefined, onDone: () => void): Promise<void> {
    this.flush();
    const previous = this.inFlight;
    const done = this.link.commit(state, source).then((fileId) => {
      this.id = fileId;
      onDone();
    });
    // Awaited by the next commit, or below; a failure in between must not go unhandled.
    done.catch(() => {});
    this.inFlight = done;
    await previous;
    if (source) await done;
  }

  // After an error: what was not committed is not there, and the file's position says so.
  async rollback(): Promise<void> {
    this.filled = 0;
    this.rejects = [];
    await this.inFlight.catch(() => {});
    await this.link.rollback();
  }

  private flush(): void {
    if (this.filled === 0 && this.rejects.length === 0) return;
    this.link.send({ op: 'rows', values: this.values.slice(0, this.filled * this.width), count: this.filled, rejects: this.rejects });
    this.filled = 0;
    this.rejects = [];
  }
}

// The channel to the writer thread: ordered messages, acknowledged commits. A write error fails the file
// being written (its rollback clears it for the next file); a writer that died fails everything after.
export class WriterLink {
  private readonly worker: Worker;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private failure: Error | undefined;
  private dead: Error | undefined;
  private closing = false;

  constructor(path: string) {
    const entry = new URL(`./store-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
    this.worker = entry.pathname.endsWith('.ts')
      ? // From source (tsx, vitest) the worker is TypeScript too: Node 20 does not pass loaders to workers, so it registers tsx itself.
        new Worker(`import(${JSON.stringify(TSX_API)}).then((tsx) => tsx.register()).then(() => import(${JSON.stringify(entry.href)}))`, { eval: true, workerData: { path } })
      : new Worker(entry, { workerData: { path } });
    this.worker.on('message', (reply: WriterReply) => {
      if (reply.op === 'error') return this.fail(new Error(`writing to the logs database: ${reply.message}`));
      const waiter = this.waiting.get(reply.seq);
      this.waiting.delete(reply.seq);
      waiter?.resolve(reply.op === 'committed' ? reply.fileId : undefined);
    });
    this.worker.on('error', (error) => this.fail((this.dead = error)));
    this.worker.on('exit', (code) => this.fail((this.dead ??= new Error(`the logs database writer stopped (exit code ${code})`))));
  }

  send(message: WriterMessage): void {
    const failure = this.dead ?? this.failure;
    if (failure) throw failure;
    this.worker.postMessage(message);
  }

  commit(state: FileState, source?: SourceStat): Promise<number> {
    return this.request({ op: 'commit', seq: ++this.seq, state, ...(source ? { source } : {}) }) as Promise<number>;
  }

  async rollback(): Promise<void> {
    if (this.dead) return;
    this.failure = undefined;
    await this.request({ op: 'rollback', seq: ++this.seq });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }

  private request(message: WriterMessage & { seq: number }): Promise<unknown> {
    const failure = this.dead ?? this.failure;
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => {
      this.waiting.set(message.seq, { resolve, reject });
      this.worker.postMessage(message);
    });
  }

  private fail(error: Error): void {
    if (this.closing) return;
    if (error !== this.dead) this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}
