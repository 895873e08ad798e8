import { PermanentError } from '../../lib/influx-http.js';
import { MsgpackReader, msgpackObjects } from '../../lib/msgpack.js';

// One series of an answer as InfluxDB sent it: names as raw bytes, tags in the server's (random) order.
export interface SeriesHead {
  name: Buffer;
  tags: Array<[Buffer, Buffer]>;
  columns: Buffer[];
}

// A series and its rows, still unread: read exactly `rows` arrays from `reader` before asking for the next one.
export interface SeriesRows {
  head: SeriesHead;
  reader: MsgpackReader;
  rows: number;
}

// The largest chunk of an answer held at once: far above what `chunk_size` rows make.
const MAX_CHUNK_BYTES = 256 * 1024 * 1024;

// The series of a chunked msgpack answer, one chunk in memory at a time; an error the server reports is thrown.
export async function* answerSeries(stream: AsyncIterable<Buffer>): AsyncGenerator<SeriesRows> {
  for await (const object of msgpackObjects(stream, MAX_CHUNK_BYTES)) {
    const r = new MsgpackReader(object);
    for (let keys = r.map(); keys > 0; keys--) {
      const key = r.text();
      if (key === 'error') throw new PermanentError(`query failed: ${r.text()}`);
      if (key !== 'results') {
        r.skip();
        continue;
      }
      for (let results = r.array(); results > 0; results--) yield* result(r);
    }
  }
}

function* result(r: MsgpackReader): Generator<SeriesRows> {
  for (let keys = r.map(); keys > 0; keys--) {
    const key = r.text();
    if (key === 'error') throw new PermanentError(`query failed: ${r.text()}`);
    if (key !== 'series') {
      r.skip();
      continue;
    }
    for (let n = r.array(); n > 0; n--) yield* series(r);
  }
}

function* series(r: MsgpackReader): Generator<SeriesRows> {
  const head: SeriesHead = { name: Buffer.alloc(0), tags: [], columns: [] };
  // InfluxDB writes name, tags, columns, values, partial: rows are read where they stand. Were the values to come
  // before the columns, they are skipped and come back to once the map has been read.
  let later: { pos: number; rows: number } | undefined;
  for (let keys = r.map(); keys > 0; keys--) {
    const key = r.text();
    if (key === 'name') head.name = r.bytes();
    else if (key === 'tags') {
      for (let n = r.map(); n > 0; n--) head.tags.push([r.bytes(), r.bytes()]);
    } else if (key === 'columns') {
      for (let n = r.array(); n > 0; n--) head.columns.push(r.bytes());
    } else if (key === 'values' && head.columns.length > 0) {
      yield { head, reader: r, rows: r.array() };
    } else if (key === 'values') {
      later = { pos: r.pos, rows: 0 };
      later.rows = r.array();
      for (let i = 0; i < later.rows; i++) r.skip();
    } else r.skip();
  }
  if (later) {
    const resume = r.pos;
    r.pos = later.pos;
    r.array();
    yield { head, reader: r, rows: later.rows };
    r.pos = resume;
  }
}

// A small answer whole (administration: SHOW …), strings as raw bytes: one entry per series.
export interface Table {
  name: Buffer;
  columns: string[];
  values: unknown[][];
}

export async function answerTables(stream: AsyncIterable<Buffer>): Promise<Table[]> {
  const tables: Table[] = [];
  for await (const { head, reader, rows } of answerSeries(stream)) {
    const values: unknown[][] = [];
    for (let i = 0; i < rows; i++) values.push(reader.any() as unknown[]);
    const columns = head.columns.map((c) => c.toString('utf8'));
    const last = tables.at(-1);
    // A series cut over two chunks comes as two parts with the same name (SHOW … answers have no tags).
    if (last && head.tags.length === 0 && last.name.equals(head.name) && last.columns.join('\0') === columns.join('\0')) last.values.push(...values);
    else tables.push({ name: Buffer.from(head.name), columns, values });
  }
  return tables;
}
