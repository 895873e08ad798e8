import { join } from 'node:path';
import type { Sample } from './mrtg.js';
import type { DailySummary } from './summary.js';

// A file name for an interface name: "/" and other awkward characters are %-escaped, so names stay distinct.
export function fileNameOf(interfaceName: string): string {
  return encodeURIComponent(interfaceName).replace(/^\.+/, (dots) => '%2E'.repeat(dots.length));
}

// data_dir/<LAYER>/<date>/<interface>.log: the day's five-minute rows in MRTG's own format, newest first.
export function rawFile(dataDir: string, layer: string, date: string, interfaceName: string): string {
  return join(dataDir, layer, date, `${fileNameOf(interfaceName)}.log`);
}

// Its bytes, the digits written straight into one buffer: a string for each number and each line cost the scan
// more in garbage collection than the writing itself. The values are whole numbers from 0 to 2^53 − 1.
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
const ZERO = 0x30;

// The decimal digits of a whole number from 0 to 2^53 − 1 at `at`; returns where they end. Below 2^31 (epochs until
// 2038, and most rates) in 32-bit integers, where dividing by 10 is a multiplication: twice as fast as the general
// case below, which took 6% of the scan's CPU in a profile. (Below 2^53, Math.floor(n / 10) is exact: n / 10 is within 1/8
// of its true value, never across the next integer.)
function writeWhole(out: Buffer, at: number, n: number): number {
  if (n <= INT32_MAX) {
    let x = n | 0;
    const end = at + (x < 10 ? 1 : x < 100 ? 2 : x < 1e3 ? 3 : x < 1e4 ? 4 : x < 1e5 ? 5 : x < 1e6 ? 6 : x < 1e7 ? 7 : x < 1e8 ? 8 : x < 1e9 ? 9 : 10);
    for (let k = end - 1; k >= at; k--) {
      const q = (x / 10) | 0;
      out[k] = ZERO + x - q * 10;
      x = q;
    }
    return end;
  }
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let k = at + digits - 1; k >= at; k--) {
    out[k] = ZERO + (n % 10);
    n = Math.floor(n / 10);
  }
  return at + digits;
}

const INT32_MAX = 0x7fffffff;

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
