import { ErrorCode, PipelineError } from '../../core/errors.js';
import type { PipelineContext } from '../../core/pipeline.js';
import type { Day } from './day.js';
import { rawBytes } from './files.js';
import { E_NOT_MRTG, parseMrtg, type Sample } from './mrtg.js';
import type { RawArchive } from './raw-archive.js';
import { GAUGE_LAYERS, type ScanConfig } from './schema.js';
import { clock, dayRows, gaps, withoutFill } from './slots.js';
import type { Interface } from './sources.js';
import { summarise, type DailySummary } from './summary.js';

export const E_INCOMPLETE = ErrorCode.ScanIncomplete;

export interface Collected {
  iface: Interface;
  summary: DailySummary;
  /** The five-minute averages, oldest first, in the summary's unit (bits/s, or the gauge), as epoch, in, out,
   * epoch, in, out …: the report's charts, kept flat (2,000 interfaces' days as objects cost 30 MB of heap). */
  series: Float64Array;
}

// One interface's day from the bytes of its log: the rows, checked and counted, its raw file and its summary.
// A log that does not reach the day, or holds less of it than `min_completeness`, fails the interface: what was
// stored for it stays. `skipped` counts the rows left out because they were out of order.
export async function collect(iface: Interface, bytes: Buffer, day: Day, config: ScanConfig, ctx: PipelineContext, raw: RawArchive): Promise<Collected & { rows: Sample[]; skipped: number }> {
  const who = `${iface.layer} ${iface.name}`;
  // One row older than the day is kept so that the section boundary before the day can still be seen.
  const log = parseMrtg(bytes, day.start - 3600, iface.link);
  if (log.outOfOrder.length) ctx.log.warn(`${who}: ${log.outOfOrder.length} row(s) out of order skipped: ${log.outOfOrder.slice(0, 3).join('; ')}${log.outOfOrder.length > 3 ? '; …' : ''}.`);
  const all = dayRows(log.samples, day);
  if (all.length === 0) throw new PipelineError(E_NOT_MRTG, `the MRTG log has no five-minute row for ${day.date}`);
  const { rows, fill } = withoutFill(all, log.firstTraffic);
  if (fill > 0) ctx.log.warn(`${who}: ${fill} row(s) of 0 before the log's first traffic at ${clock(log.firstTraffic!, config.timezone)} are the zero fill MRTG writes into a new log: counted as missing, not as zero traffic.`);
  if (log.firstTraffic === undefined && log.counters.some((c) => /^\d*[1-9]/.test(c))) {
    ctx.log.warn(`${who}: every row of the log is 0 while its counters read ${log.counters.join(' and ')}: is MRTG reading this interface?`);
  }
  const { missing, ranges } = gaps(rows, day, config.timezone);
  const missed = `missing ${ranges.slice(0, 5).join(', ')}${ranges.length > 5 ? ', …' : ''}`;
  const needed = Math.ceil(config.min_completeness * day.expectedSamples - 1e-9);
  if (rows.length < needed) {
    throw new PipelineError(E_INCOMPLETE, `${rows.length} of ${day.expectedSamples} samples for ${day.date}, fewer than the ${needed} of min_completeness ${config.min_completeness}; ${missed}`);
  }
  if (missing > 0) ctx.log.warn(`${who}: ${rows.length} of ${day.expectedSamples} samples; ${missed}.`);
  const gauge = GAUGE_LAYERS.has(iface.layer);
  if (iface.capacity === 0 && !gauge) ctx.log.warn(`${who}: capacity 0 in the source file, so no utilisation is computed.`);
  // Into the layer's archive of the day, at once and synchronously: a small write costs less CPU that way than
  // through the thread pool.
  raw.add(iface.name, rawBytes(rows));
  const scale = gauge ? 1 : 8;
  const series = new Float64Array(rows.length * 3);
  rows.forEach((r, n) => series.set([r.epoch, r.avgIn * scale, r.avgOut * scale], n * 3));
  return { iface, rows, series, skipped: log.outOfOrder.length, summary: summarise(iface, rows, day.expectedSamples, missing, gauge) };
}
