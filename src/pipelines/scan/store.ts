import type { Sample } from './mrtg.js';
import type { DailySummary } from './summary.js';

// One interface's day, as stored: its five-minute samples and its summary.
export interface InterfaceDay {
  layer: string;
  interface: string;
  vendor: string;
  date: string;
  dayStart: number;
  dayEnd: number;
  rows: Sample[];
  summary: DailySummary;
}

// Where a day goes. Storing a day again replaces it, interface by interface: never a duplicate.
export interface ScanStoreWriter {
  /** Stores the days, each replacing what was stored for that interface and date; returns the samples written. */
  replaceDays(days: InterfaceDay[]): Promise<number>;
  close(): Promise<void>;
}
