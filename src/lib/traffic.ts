import { humanBytes } from './human-units.js';
// One interface's day of traffic in numbers, as the scan kind summarises it and the console reads it back, and how
// its rates are said to a person.

/** bit/s for traffic; for a gauge layer (IPBRAS: users), the count. */
export type TrafficUnit = 'bit/s' | 'gauge';

export interface InterfaceDayNumbers {
  interface: string;
  vendor: string;
  capacityGbps: number;
  samples: number;
  expectedSamples: number;
  /** In the layer's unit: bits/s for traffic, the gauge (rounded average) for a gauge layer. */
  inAvg: number;
  inMax: number;
  inP95?: number;
  outAvg: number;
  outMax: number;
  outP95?: number;
  /** max(in max, out max) / capacity × 100; undefined when the capacity is 0 or the layer is a gauge. */
  utilisationPct?: number;
}

// "2.19 Mbps", "10.4 Gbps", "850 bps"; a gauge (users) as a whole number.
export function rate(value: number | undefined, unit: TrafficUnit): string {
  if (value === undefined) return '-';
  if (unit === 'gauge') return Math.round(value).toLocaleString('en-US');
  const steps: Array<[number, string]> = [[1e9, 'Gbps'], [1e6, 'Mbps'], [1e3, 'kbps']];
  for (const [size, name] of steps) if (value >= size) return `${(value / size).toPrecision(3)} ${name}`;
  return `${Math.round(value)} bps`;
}

// Bytes as a person reads them: "850 B", "12.3 kB", "4.56 GB" (powers of 1000, as the rates are).
export const volume = (bytes: number | undefined): string => (bytes === undefined ? '-' : humanBytes(bytes));

/** Seconds one MRTG sample covers. */
export const SAMPLE_SECONDS = 300;

// What an interface carried in one direction over the samples of its day: the average rate over the time they cover.
// Undefined for a gauge, which carries nothing.
export const dayVolume = (avgBps: number, samples: number, unit: TrafficUnit): number | undefined => (unit === 'gauge' ? undefined : (avgBps * samples * SAMPLE_SECONDS) / 8);

// The axis top: 1, 2, 2.5 or 5 times a power of ten, at or above the largest value.
export function niceTop(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((v) => v >= max)!;
}
