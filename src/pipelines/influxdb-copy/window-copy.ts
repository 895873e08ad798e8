import type { LimitFunction } from 'p-limit';
import { Batch } from './batch.js';
import type { FieldType } from '../../lib/line-protocol.js';
import { eachLine, type Window } from './read.js';
import type { InfluxServer } from './server.js';

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
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  const batch = new Batch(o.batchBytes);

  const flush = async () => {
    if (batch.points === 0) return;
    const count = batch.points;
    const body = batch.take();
    const write = o.writeSlots(() => dst.write(o.rp, body, count)).then(
      () => o.onWritten(count),
      (error: unknown) => void (failure ??= error),
    );
    inFlight.add(write);
    void write.finally(() => inFlight.delete(write));
    while (inFlight.size >= IN_FLIGHT_PER_WINDOW) await Promise.race(inFlight);
    if (failure) throw failure;
  };

  const points = await eachLine(src, o, window, o.pageSize, (line) => {
    if (batch.add(line)) return batch.points >= o.pageSize ? flush() : undefined;
    return flush().then(() => void batch.add(line));
  });
  await flush();
  await Promise.all(inFlight);
  if (failure) throw failure;
  return points;
}

export type { Window };

// [from, to) cut into windows of `size`.
export function windows(from: bigint, to: bigint, size: bigint): Window[] {
  const out: Window[] = [];
  for (let start = from; start < to; start += size) out.push({ from: start, to: start + size < to ? start + size : to });
  return out;
}
