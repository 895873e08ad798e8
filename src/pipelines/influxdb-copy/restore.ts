import pLimit from 'p-limit';
import { describeError } from '../../core/errors.js';
import type { IntegrityCheck, PipelineLogger } from '../../core/pipeline.js';
import { readObjectLines } from '../../archive/check.js';
import { LineDigest } from '../../archive/line-digest.js';
import type { ArchiveObject, Manifest } from '../../archive/manifest.js';
import type { ArchiveStore } from '../../archive/store.js';
import { LineBuffer } from './lines.js';
import { Name } from './names.js';
import { matchesAny, prepareDestination, shardLayouts } from './plan.js';
import type { ServerConfig } from './schema.js';
import { InfluxServer, WriteRejected, type RetentionPolicy } from './server.js';
import { hold, Digest } from './verify.js';

export interface RestoreOptions {
  /** The server and database to restore into. */
  to: ServerConfig;
  /** Measurements to restore (globs); all when absent. */
  measurements?: string[];
  /** The copy's defaults (schema.ts): points and bytes per write, writes in flight, retries, silence allowed. */
  pageSize: number;
  batchBytes: number;
  writeConcurrency: number;
  retries: number;
  timeoutMs: number;
  signal: AbortSignal;
  log: PipelineLogger;
}

export interface RestoreResult {
  chain: Manifest[];
  points: number;
  objects: number;
  /** Damaged objects and refused writes, each naming its object. */
  problems: string[];
  /** One per measurement: what the server holds after the restore against what the chain says it should. */
  checks: IntegrityCheck[];
}

// What the restored server should hold of one retention policy × measurement: the lines of each archive of the
// chain that no later archive read again (a later one re-reads from its own start, and its lines win).
interface Expected {
  rp: string;
  measurement: Name;
  from: bigint;
  to: bigint;
  digest: Digest;
  points: number;
}

// Replay a chain of archives (loadChain) into a server, oldest first, in the copy's batches, then compare, per
// measurement, a checksum of every point the server holds over the archived range with the archive's lines.
export async function restoreArchive(store: ArchiveStore, chain: Manifest[], o: RestoreOptions): Promise<RestoreResult> {
  const newest = chain.at(-1)!;
  const dst = new InfluxServer('destination', o.to, { timeoutMs: o.timeoutMs, retries: o.retries, signal: o.signal, onRetry: (what, attempt, error) => o.log.warn(`Retrying ${what} (attempt ${attempt} of ${o.retries}): ${describeError(error)}`) });
  const result: RestoreResult = { chain, points: 0, objects: 0, problems: [], checks: [] };
  try {
    await dst.ping();
    const rps: RetentionPolicy[] = newest.databases[0]!.retention_policies.map((rp) => ({ name: rp.name, duration: rp.duration, shardGroupDuration: rp.shard_duration, replicaN: rp.replica_n, default: rp.default }));
    await prepareDestination(dst, rps, { log: o.log });
    const wanted = (object: { measurement: string }) => !o.measurements || matchesAny(object.measurement, o.measurements);
    const expected = new Map<string, Expected>();
    const writeSlots = pLimit(o.writeConcurrency);
    for (const [i, manifest] of chain.entries()) {
      for (const object of manifest.objects.filter(wanted)) {
        if (o.signal.aborted) throw o.signal.reason;
        const key = `${object.rp}\u0000${object.measurement_base64}`;
        let item = expected.get(key);
        if (!item) expected.set(key, (item = { rp: object.rp, measurement: new Name(Buffer.from(object.measurement_base64, 'base64')), from: BigInt(object.from), to: BigInt(object.to), digest: new Digest(), points: 0 }));
        if (BigInt(object.from) < item.from) item.from = BigInt(object.from);
        if (BigInt(object.to) > item.to) item.to = BigInt(object.to);
        const problem = await replayObject(store, manifest, object, cutOf(chain, i, object), item, dst, writeSlots, o);
        if (problem) result.problems.push(`archive ${manifest.id}, object ${object.key}: ${problem}`);
        result.points += object.points;
        result.objects++;
      }
    }
    // Each item's range reaches the end of what its archives read: later points a source had are none of ours.
    for (const manifest of chain) for (const it of manifest.items) {
      const item = expected.get(`${it.rp}\u0000${it.measurement_base64}`);
      if (item && it.to !== undefined && BigInt(it.to) > item.to) item.to = BigInt(it.to);
    }
    const layouts = await shardLayouts(dst, await dst.retentionPolicies(), { log: o.log });
    const verifySlots = pLimit(2);
    result.checks = await Promise.all(
      [...expected.values()].map((item) =>
        verifySlots(async (): Promise<IntegrityCheck> => {
          const name = `checksum ${item.measurement.text} [${item.rp}]`;
          const there = await hold(dst, { rp: item.rp, measurement: item.measurement, from: item.from, to: item.to }, layouts.get(item.rp)!, 'checksum', o.pageSize, () => {});
          const points = there.perField.get('') ?? 0;
          const ok = points === item.points && there.digest === item.digest.value;
          return { name, ok, expected: `${item.points} points, ${item.digest.value}`, actual: `${points} points, ${there.digest}`, ...(ok ? {} : { detail: points === item.points ? 'the same number of points, but not the same points' : `${item.points} points expected, ${points} there` }) };
        }),
      ),
    );
    return result;
  } finally {
    dst.close();
  }
}

// Where a later archive of the chain starts reading this object's measurement again: lines from there on are its.
function cutOf(chain: Manifest[], i: number, object: ArchiveObject): bigint | undefined {
  let cut: bigint | undefined;
  for (const later of chain.slice(i + 1)) {
    const it = later.items.find((x) => x.rp === object.rp && x.measurement_base64 === object.measurement_base64 && x.from !== undefined);
    if (it && (cut === undefined || BigInt(it.from!) < cut)) cut = BigInt(it.from!);
  }
  return cut;
}

// Points (of the batches) written at once before reading waits.
const IN_FLIGHT = 4;

// One object's lines written in the copy's batches; its lines counted and summed against the manifest. Returns what
// went wrong, naming it, or undefined.
async function replayObject(store: ArchiveStore, manifest: Manifest, object: ArchiveObject, cut: bigint | undefined, item: Expected, dst: InfluxServer, writeSlots: ReturnType<typeof pLimit>, o: RestoreOptions): Promise<string | undefined> {
  const digest = new LineDigest();
  const out = new LineBuffer(o.batchBytes);
  const inFlight = new Set<Promise<void>>();
  let refused: string | undefined;
  const send = ({ body, points }: { body: Buffer; points: number }) => {
    const write = writeSlots(() => dst.write(object.rp, body, points)).catch((error: unknown) => {
      refused ??= error instanceof WriteRejected ? `the server refused ${error.dropped} of ${points} points: ${describeError(error)}` : describeError(error);
    });
    inFlight.add(write);
    void write.finally(() => inFlight.delete(write));
  };
  let readError: string | undefined;
  try {
    await readObjectLines(store, manifest, object.key, async (buf, start, end) => {
      digest.add(buf, start, end);
      if (cut === undefined || timeOf(buf, start, end) < cut) {
        item.digest.add(buf, start, end);
        item.points++;
      }
      out.bytes(buf, start, end);
      out.endLine();
      const full = out.length - 1 > o.batchBytes && out.points > 1;
      if (!full && out.points < o.pageSize) return;
      send(out.take(full));
      while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    });
  } catch (error) {
    readError = `cannot be read: ${describeError(error)}`;
  }
  if (out.points > 0) send(out.take());
  await Promise.all(inFlight);
  if (o.signal.aborted) throw o.signal.reason;
  if (readError) return readError;
  if (refused) return refused;
  if (digest.lines !== object.points) return `${digest.lines} points, the manifest says ${object.points}`;
  if (digest.value !== object.checksum) return `checksum ${digest.value}, the manifest says ${object.checksum}`;
  return undefined;
}

// The timestamp that ends a line of line protocol.
function timeOf(buf: Buffer, start: number, end: number): bigint {
  const space = buf.lastIndexOf(0x20, end - 1);
  return BigInt(buf.toString('latin1', Math.max(space + 1, start), end));
}
