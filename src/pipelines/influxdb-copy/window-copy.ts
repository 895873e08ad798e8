import type { LimitFunction } from 'p-limit';
import { escapeFieldKey, rowToLine, seriesPrefix, type FieldType } from './line-protocol.js';
import { quoteIdent, type InfluxServer } from './server.js';

export interface Window {
  from: bigint;
  to: bigint;
}

export interface WindowCopyOptions {
  rp: string;
  measurement: string;
  types: Map<string, FieldType>;
  pageSize: number;
  batchBytes: number;
  /** Shared by every window: the write requests in flight across the whole copy. */
  writeSlots: LimitFunction;
  onWritten(points: number): void;
}

// Batches written per window before reading pauses: bounds memory to a few batches per window.
const IN_FLIGHT_PER_WINDOW = 3;

// Copy one time window of one measurement: stream it from the source, write it in bounded batches.
// Resolves with the number of points once the destination has acknowledged every one of them.
export async function copyWindow(src: InfluxServer, dst: InfluxServer, window: Window, o: WindowCopyOptions): Promise<number> {
  const statement = `SELECT * FROM ${quoteIdent(o.rp)}.${quoteIdent(o.measurement)} WHERE time >= ${window.from} AND time < ${window.to} GROUP BY *`;
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  let lines: string[] = [];
  let bytes = 0;
  let points = 0;

  const flush = async () => {
    if (lines.length === 0) return;
    const body = lines.join('\n');
    const count = lines.length;
    lines = [];
    bytes = 0;
    const write = o.writeSlots(() => dst.write(o.rp, body, count)).then(
      () => o.onWritten(count),
      (error: unknown) => void (failure ??= error),
    );
    inFlight.add(write);
    void write.finally(() => inFlight.delete(write));
    while (inFlight.size >= IN_FLIGHT_PER_WINDOW) await Promise.race(inFlight);
    if (failure) throw failure;
  };

  for await (const series of src.select(statement, o.pageSize)) {
    const prefix = seriesPrefix(series.name, series.tags);
    const names = series.columns.map(escapeFieldKey);
    const types = series.columns.map((c) => o.types.get(c));
    for (const row of series.values) {
      const line = rowToLine(prefix, names, types, row);
      if (line === undefined) continue;
      lines.push(line);
      bytes += line.length + 1;
      points++;
      if (lines.length >= o.pageSize || bytes >= o.batchBytes) await flush();
    }
  }
  await flush();
  await Promise.all(inFlight);
  if (failure) throw failure;
  return points;
}

// [from, to) cut into windows of `size`.
export function windows(from: bigint, to: bigint, size: bigint): Window[] {
  const out: Window[] = [];
  for (let start = from; start < to; start += size) out.push({ from: start, to: start + size < to ? start + size : to });
  return out;
}
