import { seriesLines, transcodeRow, type LineBuffer } from './lines.js';
import { fromClause, quotable, quoteIdent, type Name } from './names.js';
import type { FieldTypes, InfluxServer } from './server.js';
import { projection, type FieldRef } from './stretch.js';

export interface Window {
  from: bigint;
  to: bigint;
  /** The fields to ask for, each with its type (see stretch.ts); none: `SELECT *`. */
  refs?: FieldRef[];
}

// One measurement of one retention policy, as the reads need it.
export interface Source {
  rp: string;
  measurement: Name;
  /** A field stored as unsigned (never as integer): its small values, sent alike for both, are written with `u`. */
  unsigned(field: Buffer): boolean;
}

// A measurement to read, given the types its fields have (SHOW FIELD KEYS, per field key's bytes as latin1).
export function sourceOf(rp: string, measurement: Name, types: FieldTypes): Source {
  return {
    rp,
    measurement,
    unsigned(field) {
      const t = types.get(field.toString('latin1'));
      return !!t && t.has('unsigned') && !t.has('integer');
    },
  };
}

// Every type each field has in any of the measurements read together.
export function unionTypes(matched: Iterable<FieldTypes>): FieldTypes {
  const all: FieldTypes = new Map();
  for (const types of matched) for (const [field, set] of types) all.set(field, new Set([...(all.get(field) ?? []), ...set]));
  return all;
}

// What a probe selects: every field, and each other type of a field whose type differs between shard groups.
// `SELECT *` over several groups picks one type per field and skips the values of the others, which would make
// a point invisible; a field asked for with its type finds them. (A field name InfluxQL cannot quote cannot be named.)
export function probeSelect(types: FieldTypes): string {
  const typed: string[] = [];
  for (const [key, set] of types) {
    const bytes = Buffer.from(key, 'latin1');
    if (set.size > 1 && quotable(bytes)) for (const type of set) typed.push(`${quoteIdent(bytes.toString('utf8'))}::${type}`);
  }
  return ['*', ...typed].join(', ');
}

// Rows per chunk read. Large decoded chunks live across the awaits of the writes and get promoted to V8's
// old generation: capping them keeps the peak RSS of a copy low at the same speed.
const READ_CHUNK_MAX = 2000;

// Every point of a measurement in [from, to) appended to `out` as a line, streamed; `onLine` runs after each line
// and may return a promise (a flush), which reading waits for. The window must lie in one shard group, where each
// field has one type: then every value comes as it is stored. The same lines feed the copy and the checksum.
export async function readLines(server: InfluxServer, source: Source, window: Window, pageSize: number, out: LineBuffer, onLine: () => void | Promise<void>): Promise<number> {
  const statement = `SELECT ${window.refs ? projection(window.refs) : '*'} FROM ${fromClause(source.rp, source.measurement)} WHERE time >= ${window.from} AND time < ${window.to} GROUP BY *`;
  let points = 0;
  for await (const { head, reader, rows } of server.select(statement, Math.min(pageSize, READ_CHUNK_MAX))) {
    // A regular expression (a name that is not UTF-8) may match other measurements too: only this one's series count.
    if (!source.measurement.equals(head.name)) {
      for (let i = 0; i < rows; i++) reader.skip();
      continue;
    }
    const lines = seriesLines(head, source.unsigned);
    for (let i = 0; i < rows; i++) {
      if (!transcodeRow(reader, lines, out)) continue;
      points++;
      const pending = onLine();
      if (pending) await pending;
    }
  }
  return points;
}
