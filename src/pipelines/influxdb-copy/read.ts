import { escapeFieldKey, rowToLine, seriesPrefix, type FieldType } from '../../lib/line-protocol.js';
import { quoteIdent, type InfluxServer } from './server.js';

export interface Window {
  from: bigint;
  to: bigint;
}

// Rows per chunk read. Large decoded chunks live across the awaits of the writes and get promoted to V8's
// old generation: capping them took the peak RSS of a 2M-point copy from 184 to ~140 MB, at the same speed.
const READ_CHUNK_MAX = 2000;

// Every point of one measurement in [from, to) as a line of line protocol, streamed; `onLine` may return a
// promise (a flush) and reading waits for it. The same lines feed the copy and the checksum.
export async function eachLine(
  server: InfluxServer,
  where: { rp: string; measurement: string; types: Map<string, FieldType> },
  window: Window,
  pageSize: number,
  onLine: (line: string) => void | Promise<void>,
): Promise<number> {
  const statement = `SELECT * FROM ${quoteIdent(where.rp)}.${quoteIdent(where.measurement)} WHERE time >= ${window.from} AND time < ${window.to} GROUP BY *`;
  let points = 0;
  for await (const series of server.select(statement, Math.min(pageSize, READ_CHUNK_MAX))) {
    const prefix = seriesPrefix(series.name, series.tags);
    const names = series.columns.map(escapeFieldKey);
    const types = series.columns.map((c) => where.types.get(c));
    for (const row of series.values) {
      const line = rowToLine(prefix, names, types, row);
      if (line === undefined) continue;
      points++;
      const pending = onLine(line);
      if (pending) await pending;
    }
  }
  return points;
}
