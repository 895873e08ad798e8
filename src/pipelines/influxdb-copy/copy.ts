import pLimit from 'p-limit';
import { describeError } from '../errors.js';
import type { IntegrityCheck, PipelineContext, PipelineOutcome } from '../types.js';
import { durationNs, formatNs, timeNs } from './duration.js';
import { planCopy, type CopyItem } from './plan.js';
import { causedBy, withRetries } from '../../lib/retry.js';
import { isPermanent } from '../../lib/influx-http.js';
import type { InfluxCopyConfig } from './schema.js';
import { InfluxServer, RetriesExhausted } from './server.js';
import { verifyItem } from './verify.js';
import { copyWindow, windows } from './window-copy.js';

interface Copied extends CopyItem {
  from: bigint;
  to: bigint;
}

// Copy every selected (retention policy, measurement), window by window; a checkpoint moves only over
// windows the destination has acknowledged, so a crash or a kill loses nothing and the next run completes.
export async function copyInflux(config: InfluxCopyConfig, ctx: PipelineContext): Promise<PipelineOutcome> {
  const bc = config.backup_config;
  const serverOptions = {
    timeoutMs: bc.timeout * 1000,
    retries: bc.retries,
    signal: ctx.signal,
    onRetry: (what: string, attempt: number, error: unknown) => ctx.log.warn(`Retrying ${what} (attempt ${attempt} of ${bc.retries}): ${describeError(error)}`),
  };
  const src = new InfluxServer('source', config.source_server, serverOptions);
  const dst = new InfluxServer('destination', config.destination_server, serverOptions);
  // The checkpoint never passes the moment the run started: one point dated in the future must not make the
  // next incremental runs skip everything written before that date.
  const runStartedNs = BigInt(Date.now()) * 1_000_000n;
  const writeSlots = pLimit(bc.write_concurrency);
  const readSlots = pLimit(bc.read_concurrency);
  // Counted when a window is complete: a window read again after a fault is not counted twice.
  let copiedPoints = 0;
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
    const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
    const rps = new Set(items.map((i) => i.rp)).size;
    const measurements = new Set(items.map((i) => i.measurement)).size;
    ctx.log.info(`Copying ${count(measurements, 'measurement')} in ${count(rps, 'retention policy').replace(/policys$/, 'policies')} from "${src.database}" to "${dst.database}" (${bc.mode}).`);
    const copied: Copied[] = [];
    await Promise.all(
      items.map(async (item) => {
        const range = await rangeOf(src, item, config, ctx);
        if (!range) return;
        const key = checkpointKey(config, item);
        const parts = windows(range.from, range.to, durationNs(bc.window));
        const done = new Array<boolean>(parts.length).fill(false);
        let next = 0;
        await Promise.all(
          parts.map((window, i) =>
            readSlots(async () => {
              const points = await withRetries(() => copyWindow(src, dst, window, { ...item, types: range.types, pageSize: bc.page_size, batchBytes: bc.batch_bytes, writeSlots, onWritten }), {
                retries: bc.retries,
                // Only a read that broke mid-stream is worth reading again: a request has had its own retries.
                isPermanent: (e) => isPermanent(e) || causedBy(e, RetriesExhausted),
                signal: ctx.signal,
                onRetry: (attempt, error) => ctx.log.warn(`Copying ${item.measurement} [${item.rp}] from ${formatNs(window.from)} again (attempt ${attempt}): ${describeError(error)}`),
              }).catch((error: unknown) => {
                throw new Error(`copying ${item.measurement} [${item.rp}] from ${formatNs(window.from)} to ${formatNs(window.to)}`, { cause: error });
              });
              copiedPoints += points;
              done[i] = true;
              // The checkpoint covers the longest run of finished windows from the start, never a gap.
              while (next < parts.length && done[next]) next++;
              if (next > 0) {
                const upTo = parts[next - 1]!.to;
                ctx.checkpoints.set(key, { upTo: String(upTo < runStartedNs ? upTo : runStartedNs) });
              }
            }),
          ),
        );
        ctx.log.info(`Copied ${item.measurement} [${item.rp}] from ${formatNs(range.from)} to ${formatNs(range.to)}.`);
        copied.push({ ...item, from: range.from, to: range.to });
      }),
    );
    ctx.progress({ done: copiedPoints, unit: 'points' });
    // Every point read was written and acknowledged: a rejected point fails the process instead.
    const outcome: PipelineOutcome = { records: { read: copiedPoints, written: copiedPoints, rejected: 0 } };
    if (bc.validate_data === false) return outcome;
    const checks: IntegrityCheck[] = [];
    for (const item of copied.sort((a, b) => a.rp.localeCompare(b.rp) || a.measurement.localeCompare(b.measurement))) {
      checks.push(await verifyItem(src, dst, item, bc.validate_data === 'checksum' ? 'checksum' : 'count', bc.page_size));
    }
    return { ...outcome, integrity: { ok: checks.every((c) => c.ok), checks } };
  } finally {
    src.close();
    dst.close();
  }
}

// The time range to copy for one item: the selection's bounds, the checkpoint (incremental), and where the data is.
async function rangeOf(src: InfluxServer, item: CopyItem, config: InfluxCopyConfig, ctx: PipelineContext) {
  const bc = config.backup_config;
  let lower = bc.start !== undefined ? timeNs(bc.start) : undefined;
  const upper = bc.end !== undefined ? timeNs(bc.end) : undefined;
  const checkpoint = ctx.checkpoints.get<{ upTo: string }>(checkpointKey(config, item));
  if (bc.mode === 'incremental' && checkpoint) {
    const resume = BigInt(checkpoint.upTo) - durationNs(bc.overlap);
    if (lower === undefined || resume > lower) lower = resume;
  }
  const first = await src.edge(item.rp, item.measurement, 'first', lower, upper);
  if (first === undefined) return undefined;
  const last = await src.edge(item.rp, item.measurement, 'last', lower, upper);
  const types = await src.fieldTypes(item.rp, item.measurement);
  return { from: first, to: last! + 1n, types };
}

// Per source database, destination, retention policy and measurement: pointing a process at another
// destination starts that copy from the beginning instead of skipping what the new destination lacks.
function checkpointKey(config: InfluxCopyConfig, item: CopyItem): string {
  const dst = config.destination_server;
  return JSON.stringify([config.source_server.database, new URL(dst.url).origin, dst.database, item.rp, item.measurement]);
}
