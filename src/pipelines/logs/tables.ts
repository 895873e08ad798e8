import type { Entry, Family } from './formats/index.js';

// Typed columns per family of formats. Each entry's id is file_id × 2^30 + line number: the key the
// table is stored by, so rows are appended in order, and the line a growing log ended on can be replaced.
// Exact in a double up to 2^23 files of up to 2^30 lines each; beyond either, ingestion stops with an error.
export const LINE_BITS = 2 ** 30;
export const MAX_FILES = 2 ** 23;

interface Table {
  name: string;
  columns: Array<[name: string, type: string, from: (e: Entry, line: string) => unknown]>;
}

const field = (name: keyof Entry) => (e: Entry) => e[name] ?? null;
const text = (name: keyof Entry): [string, string, (e: Entry) => unknown] => [name, 'TEXT', field(name)];
const integer = (name: keyof Entry): [string, string, (e: Entry) => unknown] => [name, 'INTEGER', field(name)];

export const TABLES: Record<Family, Table> = {
  http: {
    name: 'http_entries',
    columns: [integer('time'), text('client'), text('ident'), text('user'), text('method'), text('path'), text('protocol'), text('request'), integer('status'), integer('bytes'), text('referrer'), text('user_agent'), text('extra')],
  },
  syslog: {
    name: 'syslog_entries',
    columns: [integer('time'), integer('facility'), integer('severity'), text('host'), text('app'), text('pid'), text('msgid'), text('structured_data'), text('message')],
  },
  // The line itself is the JSON (SQLite's json_extract reads it); time, level and message have columns.
  json: {
    name: 'json_entries',
    columns: [integer('time'), text('level'), text('message'), ['data', 'TEXT', (_e, line) => line]],
  },
  regex: {
    name: 'regex_entries',
    columns: [integer('time'), text('level'), text('host'), text('app'), text('client'), text('method'), text('path'), integer('status'), integer('bytes'), text('message'), ['fields', 'TEXT', (e) => (e.data ? JSON.stringify(e.data) : null)]],
  },
};

// Version 1. A file is known per process and format by its content: its first kilobyte (head_*) finds the
// candidates, the SHA-256 at each commit (file_versions) confirms one. seen_paths lets an unchanged file be
// skipped unread, under each name it was seen by.
export const SCHEMA_VERSION = 1;
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS files (
  id INTEGER PRIMARY KEY,
  process TEXT NOT NULL,
  format TEXT NOT NULL,
  path TEXT NOT NULL,
  gzip INTEGER NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  lines INTEGER NOT NULL,
  head_len INTEGER NOT NULL,
  head_sha256 TEXT NOT NULL,
  resume_offset INTEGER NOT NULL,
  resume_line INTEGER NOT NULL,
  tail_kind TEXT,
  entries INTEGER NOT NULL,
  rejected INTEGER NOT NULL,
  excluded INTEGER NOT NULL,
  first_ingested_at TEXT NOT NULL,
  ingested_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS files_by_head ON files (process, format, head_len, head_sha256);
CREATE TABLE IF NOT EXISTS file_versions (
  file_id INTEGER NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  PRIMARY KEY (file_id, size)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS seen_paths (
  process TEXT NOT NULL,
  path TEXT NOT NULL,
  source_size INTEGER NOT NULL,
  source_mtime_ms INTEGER NOT NULL,
  file_id INTEGER NOT NULL,
  PRIMARY KEY (process, path)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rejects (
  file_id INTEGER NOT NULL,
  line INTEGER NOT NULL,
  reason TEXT NOT NULL,
  text BLOB NOT NULL,
  PRIMARY KEY (file_id, line)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log_runs (
  run_id TEXT NOT NULL,
  process TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  stats TEXT NOT NULL,
  PRIMARY KEY (run_id, process)
);
${Object.values(TABLES)
  .map((t) => `CREATE TABLE IF NOT EXISTS ${t.name} (id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL, line INTEGER NOT NULL, ${t.columns.map(([n, type]) => `${n} ${type}`).join(', ')});`)
  .join('\n')}
`;
