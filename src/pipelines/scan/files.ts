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

export function rawText(rows: Sample[]): string {
  return rows
    .slice()
    .reverse()
    .map((r) => `${r.epoch} ${r.avgIn} ${r.avgOut} ${r.maxIn} ${r.maxOut}\n`)
    .join('');
}

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
