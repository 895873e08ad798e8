import type { InterfaceDayNumbers } from '../../lib/traffic.js';
import type { Sample } from './mrtg.js';
import type { Interface } from './sources.js';

export interface DailySummary extends InterfaceDayNumbers {
  layer: string;
  missingSamples: number;
  gauge: boolean;
}

// The day of one interface in numbers. Traffic: average, maximum and 95th percentile (nearest rank over the
// five-minute averages) of in and out, in bits/s. Gauges: the rounded average and the maximum.
export function summarise(iface: Interface, rows: Sample[], expectedSamples: number, missingSamples: number, gauge: boolean): DailySummary {
  const scale = gauge ? 1 : 8;
  // One pass, no intermediate arrays but the two the percentiles sort; sums in row order, as before.
  const avgIn = new Float64Array(rows.length);
  const avgOut = new Float64Array(rows.length);
  let inMax = 0;
  let outMax = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    avgIn[i] = r.avgIn * scale;
    avgOut[i] = r.avgOut * scale;
    inMax = Math.max(inMax, r.maxIn * scale);
    outMax = Math.max(outMax, r.maxOut * scale);
  }
  const base = { layer: iface.layer, interface: iface.name, vendor: iface.vendor, capacityGbps: iface.capacity, samples: rows.length, expectedSamples, missingSamples, gauge };
  if (gauge) return { ...base, inAvg: Math.round(mean(avgIn)), inMax, outAvg: Math.round(mean(avgOut)), outMax };
  const capacityBps = iface.capacity * 1e9;
  return {
    ...base,
    inAvg: mean(avgIn),
    inMax,
    inP95: percentile95(avgIn),
    outAvg: mean(avgOut),
    outMax,
    outP95: percentile95(avgOut),
    utilisationPct: capacityBps > 0 && rows.length > 0 ? (Math.max(inMax, outMax) * 100) / capacityBps : undefined,
  };
}

function mean(xs: Float64Array): number {
  let sum = 0;
  for (const x of xs) sum += x;
  return xs.length ? sum / xs.length : 0;
}

// Nearest-rank 95th percentile: the smallest value with at least 95% of the samples at or below it.
export function percentile95(xs: ArrayLike<number>): number {
  if (xs.length === 0) return 0;
  // A typed array sorts by value, with no comparison function to call.
  const sorted = Float64Array.from(xs).sort();
  return sorted[Math.ceil(0.95 * sorted.length) - 1]!;
}
