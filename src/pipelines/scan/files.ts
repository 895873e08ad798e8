import { join } from 'node:path';
import type { Sample } from './mrtg.js';
import type { DailySummary } from './summary.js';
import { writeWhole } from './digits.js';

// A file name for an interface name: "/" and other awkward characters are %-escaped, so names stay distinct.
export function fileNameOf(interfaceName: string): string {
  return encodeURIComponent(interfaceName).replace(/^\.+/, (dots) => '%2E'.repeat(dots.length));
}

// An interface's day of five-minute rows in MRTG's own format, newest first (its file in the raw archive), the
// digits written straight into one buffer: a string for each number and each line cost the scan more in garbage
// collection than the writing itself. The values are whole numbers from 0 to 2^53 − 1.
// The buffer is reused: the bytes returned hold only until the next call (write them at once, synchronously).
export function rawBytes(rows: Sample[]): Buffer {
  if (scratch.length < rows.length * ROW_BYTES) scratch = Buffer.allocUnsafe(rows.length * ROW_BYTES);
  const out = scratch;
  let at = 0;
  for (let i = rows.length - 1; i >= 0; i--) {
    const r = rows[i]!;
    at = writeWhole(out, at, r.epoch);
    out[at++] = SPACE;
    at = writeWhole(out, at, r.avgIn);
    out[at++] = SPACE;
    at = writeWhole(out, at, r.avgOut);
    out[at++] = SPACE;
    at = writeWhole(out, at, r.maxIn);
    out[at++] = SPACE;
    at = writeWhole(out, at, r.maxOut);
    out[at++] = NEWLINE;
  }
  return out.subarray(0, at);
}

// Five numbers of at most 16 digits, four spaces and a newline.
const ROW_BYTES = 5 * 16 + 5;
// A day of 300 rows fits; a longer list of rows gets a larger one.
let scratch = Buffer.allocUnsafe(300 * ROW_BYTES);
const SPACE = 0x20;
const NEWLINE = 0x0a;

const TRAFFIC_COLUMNS = ['layer', 'interface', 'vendor', 'capacity_gbps', 'samples', 'expected_samples', 'missing_samples', 'in_avg_bps', 'in_max_bps', 'in_p95_bps', 'out_avg_bps', 'out_max_bps', 'out_p95_bps', 'in_avg_gbps', 'in_max_gbps', 'in_p95_gbps', 'out_avg_gbps', 'out_max_gbps', 'out_p95_gbps', 'utilisation_pct'];
const GAUGE_COLUMNS = ['layer', 'interface', 'vendor', 'samples', 'expected_samples', 'missing_samples', 'in_avg', 'in_max', 'out_avg', 'out_max'];

// data_dir/DAILY_SUMMARY/<LAYER>/<date>.csv: one row per interface collected.
export function summaryFile(dataDir: string, layer: string, date: string): string {
  return join(dataDir, 'DAILY_SUMMARY', layer, `${date}.csv`);
}

export function summaryCsv(rows: DailySummary[], gauge: boolean): string {
  const bps = (n: number | undefined) => (n === undefined ? '' : n.toFixed(0));
  const gbps = (n: number | undefined) => (n === undefined ? '' : (n / 1e9).toFixed(6));
  const lines = rows.map((s) =>
    gauge
      ? [s.layer, s.interface, s.vendor, s.samples, s.expectedSamples, s.missingSamples, s.inAvg, s.inMax, s.outAvg, s.outMax]
      : [s.layer, s.interface, s.vendor, s.capacityGbps, s.samples, s.expectedSamples, s.missingSamples, bps(s.inAvg), bps(s.inMax), bps(s.inP95), bps(s.outAvg), bps(s.outMax), bps(s.outP95), gbps(s.inAvg), gbps(s.inMax), gbps(s.inP95), gbps(s.outAvg), gbps(s.outMax), gbps(s.outP95), s.utilisationPct === undefined ? '' : s.utilisationPct.toFixed(2)],
  );
  return [gauge ? GAUGE_COLUMNS : TRAFFIC_COLUMNS, ...lines].map((cells) => cells.map((c) => csvCell(String(c))).join(',')).join('\n') + '\n';
}

function csvCell(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
