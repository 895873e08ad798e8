import type { LimitFunction } from 'p-limit';
import { LineBuffer } from './lines.js';
import { readLines, type Source, type Window } from './read.js';
import { WriteRejected, type InfluxServer } from './server.js';

export interface WindowCopyOptions extends Source {
  pageSize: number;
  batchBytes: number;
  /** Shared by every window: the write requests in flight across the whole copy. */
  writeSlots: LimitFunction;
  onWritten(points: number): void;
}

// What one try at a window did: points read, acknowledged by the destination, and refused by it.
export interface CopyStats {
  read: number;
  written: number;
  rejected: number;
}

// Batches written per window before reading pauses: bounds memory to a few batches per window.
const IN_FLIGHT_PER_WINDOW = 3;

// Copy one window of one measurement: stream it from the source, write it in bounded batches. Resolves once the
// destination has acknowledged every point; throws the first refusal (a WriteRejected) once every write in flight
// has ended, so that `stats` counts all they did.
export async function copyWindow(src: InfluxServer, dst: InfluxServer, window: Window, o: WindowCopyOptions, stats: CopyStats): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  const out = new LineBuffer(o.batchBytes);

  const send = ({ body, points }: { body: Buffer; points: number }) => {
    const write = o.writeSlots(() => dst.write(o.rp, body, points)).then(
      () => {
        stats.written += points;
        o.onWritten(points);
      },
      (error: unknown) => {
        if (error instanceof WriteRejected) {
          stats.rejected += error.dropped;
          stats.written += points - error.dropped;
        }
        failure ??= error;
      },
    );
    inFlight.add(write);
    void write.finally(() => inFlight.delete(write));
  };
  // Called after each line; returns a promise only when reading must wait for the writes (the fast path stays synchronous).
  const onLine = () => {
    stats.read++;
    if (failure) throw failure;
    // A line that overflows the batch goes into the next one (a single line larger than a batch goes alone).
    const full = out.length - 1 > o.batchBytes && out.points > 1;
    if (!full && out.points < o.pageSize) return undefined;
    send(out.take(full));
    return inFlight.size >= IN_FLIGHT_PER_WINDOW ? drain() : undefined;
  };
  const drain = async () => {
    while (inFlight.size >= IN_FLIGHT_PER_WINDOW) await Promise.race(inFlight);
  };

  try {
    await readLines(src, o, window, o.pageSize, out, onLine);
    if (out.points > 0) send(out.take());
  } finally {
    // Writes never reject (a failure is kept in `failure`): this waits for each to end and be counted.
    await Promise.all(inFlight);
  }
  if (failure) throw failure;
}
