import pLimit from 'p-limit';
import { describeError, ErrorCode, errorCodeOf } from '../../core/errors.js';
import type { IntegrityCheck, PipelineContext, PipelineOutcome, Records } from '../../core/pipeline.js';
import { durationNs } from './duration.js';
import { ItemCheckpoint } from './checkpoint.js';
import { copyItem, selection, type ItemCopy } from './item-copy.js';
import { planCopy, shardLayouts, type CopyItem } from './plan.js';
import type { InfluxCopyConfig } from './schema.js';
import { InfluxServer, serverFailure } from './server.js';
import type { ShardLayout } from './shards.js';
import { verifyItem } from './verify.js';

// Copy every selected (retention policy, measurement), then verify what was copied. A measurement that fails does
// not stop the others (unless its server is failing: unreachable, or refusing this user), and what was copied is
// counted and checkpointed whatever happens, so a crash, a kill or a fault loses nothing and the next run completes.
export async function copyInflux(config: InfluxCopyConfig, ctx: PipelineContext): Promise<PipelineOutcome> {
  const bc = config.backup_config;
  // Stops every part of the copy: the run's own stop, or a failure of a server itself.
  const stop = new AbortController();
  let serverFailed: unknown;
  const onServerFailure = (error: unknown) => {
    serverFailed ??= error;
    stop.abort(error);
  };
  const onStop = () => stop.abort(ctx.signal.reason);
  if (ctx.signal.aborted) onStop();
  else ctx.signal.addEventListener('abort', onStop, { once: true });
  const serverOptions = {
    timeoutMs: bc.timeout * 1000,
    retries: bc.retries,
    signal: stop.signal,
    onRetry: (what: string, attempt: number, error: unknown) => ctx.log.warn(`Retrying ${what} (attempt ${attempt} of ${bc.retries}): ${describeError(error)}`),
  };
  const src = new InfluxServer('source', config.source_server, serverOptions);
  const dst = new InfluxServer('destination', config.destination_server!, serverOptions);
  const runStartedNs = BigInt(Date.now()) * 1_000_000n;
  const writeSlots = pLimit(bc.write_concurrency);
  const readSlots = pLimit(bc.read_concurrency);
  // Acknowledged writes as they come, for progress only (a retried window counts again here).
  let acknowledged = 0;
  let lastProgress = 0;
  const onWritten = (points: number) => {
    acknowledged += points;
    if (Date.now() - lastProgress > 500) {
      lastProgress = Date.now();
      ctx.progress({ done: acknowledged, unit: 'points' });
    }
  };

  try {
    const items = await planCopy(src, dst, bc, ctx);
    const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
    ctx.log.info(`Copying ${count(new Set(items.map((i) => i.measurement.text)).size, 'measurement')} in ${count(new Set(items.map((i) => i.rp)).size, 'retention policy', 'retention policies')} from "${src.database}" to "${dst.database}" (${bc.mode}).`);
    // Measurements are planned a few at a time; their windows share the read slots.
    const itemSlots = pLimit(bc.read_concurrency);
    const options = { bc, ctx, signal: stop.signal, readSlots, writeSlots, runStartedNs, onWritten, onServerFailure };
    const checkpoints = new Map(items.map((item) => [item, new ItemCheckpoint(ctx.checkpoints, checkpointKey(config, item))]));
    const copies = await Promise.all(items.map((item) => itemSlots(() => copyItem(src, dst, item, { ...options, checkpoint: checkpoints.get(item)! }))));
    const records = totals(copies);
    ctx.progress({ done: records.written, unit: 'points' });
    if (ctx.signal.aborted) return { records, error: { code: ErrorCode.Interrupted, message: describeError(ctx.signal.reason) } };
    if (serverFailed) return { records, error: { code: errorCodeOf(serverFailed), message: describeError(serverFailed) } };
    const failed = copies.filter((c) => c.failures.length > 0);
    for (const c of failed) ctx.log.error(`Not copied: ${label(c.item)}: ${why(c)}`);
    const error = failed.length ? { code: errorCodeOf(failed[0]!.failures[0]), message: `${failed.length} of ${copies.length} measurements were not copied whole: ${failed.slice(0, 10).map((c) => `${label(c.item)}: ${why(c)}`).join('; ')}${failed.length > 10 ? `; and ${failed.length - 10} more (see the log)` : ''}` } : undefined;
    if (bc.validate_data === false) return { records, ...(error ? { error } : {}) };
    const notCopied = failed.map((c): IntegrityCheck => ({ name: `copy ${label(c.item)}`, ok: false, detail: `not copied whole: ${why(c)}` }));
    const unverified: unknown[] = [];
    let verified: IntegrityCheck[];
    try {
      // The last `overlap` before the run started is still settling (late points of a live source): the next run
      // copies it again, and checks it then. A measurement found the same on both sides is checked up to there; one
      // that was not is copied and checked again by the next run, from where this one resumed.
      const settled = runStartedNs - durationNs(bc.overlap);
      const ranges = new Map(copies.map((c) => [c, checkRange(c, checkpoints.get(c.item)!, settled, bc)] as const));
      verified = await verify(src, dst, copies, ranges, config, ctx, onServerFailure, {
        verified: (c, upTo) => checkpoints.get(c.item)!.verified(upTo),
        differs: (c) => checkpoints.get(c.item)!.differs(),
        unverified: (error) => unverified.push(error),
      });
    } catch (failure) {
      // Stopped, or a server failing, while verifying: what was copied is still counted, and what was not is said.
      const code = ctx.signal.aborted ? ErrorCode.Interrupted : errorCodeOf(failure);
      const message = `${error ? `${error.message}; ` : ''}verifying the copy: ${describeError(ctx.signal.aborted ? ctx.signal.reason : failure)}`;
      return { records, ...(notCopied.length ? { integrity: { ok: false, checks: notCopied } } : {}), error: { code: error && !ctx.signal.aborted ? error.code : code, message } };
    }
    const checks = [...verified, ...notCopied];
    // A check that could not run says why with the server's code (E_INFLUX_REQUEST), not as a difference found.
    const cannot = !error && unverified.length ? { code: errorCodeOf(unverified[0]), message: `${unverified.length} measurement(s) could not be verified: ${describeError(unverified[0])}` } : undefined;
    const failure = error ?? cannot;
    return { records, integrity: { ok: checks.every((c) => c.ok), checks }, ...(failure ? { error: failure } : {}) };
  } finally {
    ctx.signal.removeEventListener('abort', onStop);
    src.close();
    dst.close();
  }
}

// Each measurement copied whole, both sides compared over the range copied up to `settled`; a "verifying" stage
// with a total. `onFailed` is told of each measurement whose check failed.
export async function verify(
  src: InfluxServer,
  dst: InfluxServer,
  copies: ItemCopy[],
  ranges: Map<ItemCopy, { from: bigint; to: bigint } | undefined>,
  config: InfluxCopyConfig,
  ctx: PipelineContext,
  onServerFailure: (error: unknown) => void,
  on: { verified(c: ItemCopy, upTo: bigint): void; differs(c: ItemCopy): void; unverified(error: unknown): void },
): Promise<IntegrityCheck[]> {
  const bc = config.backup_config;
  const how = bc.validate_data === 'checksum' ? 'checksum' : 'count';
  const verified = copies.filter((c) => ranges.get(c)).sort((a, b) => a.item.rp.localeCompare(b.item.rp) || Buffer.compare(a.item.measurement.bytes, b.item.measurement.bytes));
  if (verified.length === 0) return [];
  const dstLayouts = await shardLayouts(dst, await dst.retentionPolicies(), ctx);
  // checksum reads every point on both sides: its progress counts points; count is quick and counts measurements.
  const total = how === 'checksum' ? 2 * verified.reduce((n, c) => n + c.stats.read, 0) : verified.length;
  const unit = how === 'checksum' ? 'points' : 'measurements';
  let done = 0;
  let lastProgress = 0;
  const progress = (n: number) => {
    done += n;
    if (Date.now() - lastProgress < 500 && done < total) return;
    lastProgress = Date.now();
    ctx.progress({ done: Math.min(done, total), total, unit, message: 'verifying' });
  };
  ctx.log.info(`Verifying ${verified.length} measurement(s) (${how === 'checksum' ? 'a checksum of every point' : 'counts per field and series'}) on both sides.`);
  progress(0);
  const slots = pLimit(bc.read_concurrency);
  return Promise.all(
    verified.map((c) =>
      slots(async (): Promise<IntegrityCheck> => {
        const layouts: [ShardLayout, ShardLayout] = [c.item.layout, dstLayouts.get(c.item.rp) ?? c.item.layout];
        try {
          const range = ranges.get(c)!;
          const check = await verifyItem(src, dst, { rp: c.item.rp, measurement: c.item.measurement, ...range }, layouts, how, bc.page_size, how === 'checksum' ? progress : () => {});
          if (check.ok) on.verified(c, range.to);
          else on.differs(c);
          return check;
        } catch (error) {
          // A measurement that cannot be read back is a failed check; a stop or a failing server ends the stage.
          if (serverFailure(error)) onServerFailure(error);
          if (ctx.signal.aborted || serverFailure(error)) throw error;
          on.unverified(error);
          return { name: `${how} ${label(c.item)}`, ok: false, detail: `could not be verified: ${describeError(error)}` };
        } finally {
          if (how === 'count') progress(1);
        }
      }),
    ),
  );
}

// What a measurement's check covers: in a full copy, what it copied; in an incremental one, everything since checks
// last passed (a run stopped before its check, or failed elsewhere, left that unchecked), up to what has settled.
function checkRange(c: ItemCopy, checkpoint: ItemCheckpoint, settled: bigint, bc: InfluxCopyConfig['backup_config']): { from: bigint; to: bigint } | undefined {
  if (c.failures.length > 0) return undefined;
  const { lower } = selection(bc);
  const from = bc.mode === 'full' ? c.range?.from : max(checkpoint.verifiedTo() ?? lower, lower);
  const copied = bc.mode === 'full' ? c.range?.to : checkpoint.copiedTo();
  if (from === undefined || copied === undefined) return undefined;
  const to = copied < settled ? copied : settled;
  return from < to ? { from, to } : undefined;
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);

function totals(copies: ItemCopy[]): Records {
  const sum = (pick: (c: ItemCopy) => number) => copies.reduce((n, c) => n + pick(c), 0);
  return { read: sum((c) => c.stats.read), written: sum((c) => c.stats.written), rejected: sum((c) => c.stats.rejected) };
}

const label = (item: CopyItem) => `${item.measurement.text} [${item.rp}]`;

// The distinct reasons, the first three.
function why(c: ItemCopy): string {
  const reasons = [...new Set(c.failures.map(describeError))];
  return reasons.slice(0, 3).join('; ') + (reasons.length > 3 ? `; and ${reasons.length - 3} more` : '');
}

// Per source database, destination, retention policy and measurement: pointing a process at another
// destination starts that copy from the beginning instead of skipping what the new destination lacks.
function checkpointKey(config: InfluxCopyConfig, item: CopyItem): string {
  const dst = config.destination_server!;
  const m = item.measurement;
  return JSON.stringify([config.source_server.database, new URL(dst.url).origin, dst.database, item.rp, m.utf8 ? m.bytes.toString('utf8') : { bytes: m.bytes.toString('base64') }]);
}
