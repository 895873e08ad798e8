// What a run's JSON report holds; the Markdown and the HTML are drawn from it.
import type { Anomaly } from './anomalies.js';
import type { Template } from './drain.js';
import type { FileStatus } from './ingest.js';
import type { RejectsReport } from './rejects.js';
import type { StatsReport } from './stats.js';

export interface LogsReport {
  process: string;
  runId: string;
  generatedAt: string;
  format: string;
  /** The process's `timezone`, the zone the Markdown and HTML show hours in (absent in reports before it). */
  timeZone?: string;
  database: string;
  totals: { files: number; lines: number; entries: number; rejected: number; excluded: number; blank: number; joined: number; invalidUtf8: number; bytesRead: number };
  files: Array<{ path: string; status: FileStatus | 'failed'; sameAs?: string; bytesRead: number; size?: number; sha256?: string; lines: number; entries: number; rejected: number; excluded: number; joined: number; error?: string; stats?: StatsReport }>;
  cleaning: Array<{ rule: string; excluded: number }>;
  statistics: StatsReport;
  errorRule: string;
  anomalies: Anomaly[];
  patterns: { templates: Array<Omit<Template, 'firstSeen' | 'lastSeen'> & { firstSeen: string | null; lastSeen: string | null }>; evicted: number } | null;
  rejects: RejectsReport;
}
