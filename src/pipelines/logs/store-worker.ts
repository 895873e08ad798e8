// The logs database's writer, in a worker thread: SQLite's inserts run on the second core while the main
// thread reads and parses the next lines. Messages are applied in order; each commit is acknowledged.
import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { openSqlite } from '../../lib/sqlite.js';
import { LOGS_DB, type WriterMessage, type WriterReply } from './store-shapes.js';
import { LINE_BITS, MAX_FILES, TABLES } from './tables.js';

// Rows per INSERT statement: one call into SQLite for many rows is most of the speed of a bulk load.
const ROWS_PER_INSERT = 64;

// Most of a batch of 20,000 lines stays in memory until its commit instead of spilling pages to the WAL twice.
const db = openSqlite((workerData as { path: string }).path, { ...LOGS_DB, cacheKiB: 16_384 });

const insertFile = db.prepare(`INSERT INTO files (process, format, path, gzip, size, sha256, lines, head_len, head_sha256, resume_offset, resume_line, entries, rejected, excluded, first_ingested_at, ingested_at)
  VALUES (?, ?, ?, ?, 0, '', 0, -1, '', 0, 1, 0, 0, 0, ?, ?) RETURNING id`);
const updateFile = db.prepare(`UPDATE files SET path = @path, size = @size, sha256 = @sha256, lines = @lines, head_len = @head_len, head_sha256 = @head_sha256, resume_offset = @resume_offset,
  resume_line = @resume_line, tail_kind = @tail_kind, entries = @entries, rejected = @rejected, excluded = @excluded, ingested_at = @now WHERE id = @id`);
const insertVersion = db.prepare('INSERT OR REPLACE INTO file_versions VALUES (?, ?, ?)');
const insertSeen = db.prepare('INSERT OR REPLACE INTO seen_paths VALUES (?, ?, ?, ?, ?)');
const insertReject = db.prepare('INSERT OR REPLACE INTO rejects VALUES (?, ?, ?, ?)');
const clearRejectsFrom = db.prepare('DELETE FROM rejects WHERE file_id = ? AND line >= ?');

interface Current {
  fileId: number;
  process: string;
  width: number;
  insertMany: Database.Statement;
  insertOne: Database.Statement;
  params: unknown[];
}
let current: Current | undefined;
let failed = false;

parentPort!.on('message', (m: WriterMessage) => {
  if (failed && m.op !== 'rollback') return;
  try {
    handle(m);
  } catch (error) {
    failed = true;
    if (db.inTransaction) db.exec('ROLLBACK');
    parentPort!.postMessage({ op: 'error', message: (error as Error).message } satisfies WriterReply);
  }
});

function handle(m: WriterMessage): void {
  switch (m.op) {
    case 'begin': {
      db.exec('BEGIN IMMEDIATE');
      const now = new Date().toISOString();
      const fileId = m.fileId ?? (insertFile.get(m.process, m.format, m.path, m.gzip ? 1 : 0, now, now) as { id: number }).id;
      if (fileId >= MAX_FILES) throw new Error(`the logs database holds ${MAX_FILES} files, the most line ids can tell apart; start a new database`);
      const table = TABLES[m.family];
      const names = ['id', 'file_id', 'line', ...table.columns.map(([n]) => n)];
      const row = `(${names.map(() => '?').join(', ')})`;
      const insert = `INSERT OR REPLACE INTO ${table.name} (${names.join(', ')}) VALUES `;
      current = {
        fileId,
        process: m.process,
        width: names.length,
        insertMany: db.prepare(insert + Array(ROWS_PER_INSERT).fill(row).join(', ')),
        insertOne: db.prepare(insert + row),
        params: new Array(names.length * ROWS_PER_INSERT),
      };
      // Continuing a file: the unfinished last line stored last time is read again.
      const base = fileId * LINE_BITS;
      db.prepare(`DELETE FROM ${table.name} WHERE id >= ? AND id < ?`).run(base + m.fromLine, base + LINE_BITS);
      clearRejectsFrom.run(fileId, m.fromLine);
      return;
    }
    case 'rows': {
      const c = current!;
      const base = c.fileId * LINE_BITS;
      const from = c.width - 2; // a row as sent: line, then the columns
      let filled = 0;
      for (let r = 0; r < m.count; r++) {
        let at = filled * c.width;
        const line = m.values[r * from] as number;
        c.params[at++] = base + line;
        c.params[at++] = c.fileId;
        for (let i = 0; i < from; i++) c.params[at++] = m.values[r * from + i];
        if (++filled === ROWS_PER_INSERT) {
          c.insertMany.run(c.params);
          filled = 0;
        }
      }
      for (let r = 0; r < filled; r++) c.insertOne.run(c.params.slice(r * c.width, (r + 1) * c.width));
      for (const [line, reason, text] of m.rejects) insertReject.run(c.fileId, line, reason, Buffer.from(text.buffer, text.byteOffset, text.byteLength));
      return;
    }
    case 'commit': {
      const c = current!;
      updateFile.run({ ...m.state, now: new Date().toISOString(), id: c.fileId });
      insertVersion.run(c.fileId, m.state.size, m.state.sha256);
      if (m.source) insertSeen.run(c.process, m.source.path, m.source.size, Math.trunc(m.source.mtimeMs), c.fileId);
      db.exec('COMMIT');
      if (!m.source) db.exec('BEGIN IMMEDIATE');
      parentPort!.postMessage({ op: 'committed', seq: m.seq, fileId: c.fileId } satisfies WriterReply);
      return;
    }
    case 'rollback':
      if (db.inTransaction) db.exec('ROLLBACK');
      failed = false;
      current = undefined;
      parentPort!.postMessage({ op: 'rolledBack', seq: m.seq } satisfies WriterReply);
      return;
  }
}
