// What a run produced, as DESIGN.md's summary JSON has it: read by the state store, monitoring, the queue and the CLI.
import type { Integrity, Records } from './pipeline.js';

// How a process ended (a run's status is RunStatus). Not the loader's SeenProcess, which counts problems.
export type ProcessStatus = 'success' | 'failed' | 'timeout' | 'interrupted' | 'skipped';
export type RunStatus = 'success' | 'failed' | 'interrupted';

// One process of a run.
export interface ProcessResult {
  name: string;
  file: string;
  type: string;
  status: ProcessStatus;
  startedAt: string;
  durationMs: number;
  records?: Records;
  integrity?: Integrity;
  /** Reports the process wrote (the logs kind's JSON, Markdown and HTML, when it read new lines). */
  reports?: string[];
  error?: { code: string; message: string };
  /** Archives retention deleted and kept after the run (docs/archives.md#retention): only when it has rules. */
  retention?: { deleted: number; kept: number; error?: string };
}

export interface RunSummary {
  runId: string;
  startedAt: string;
  finishedAt: string;
  status: RunStatus;
  processes: ProcessResult[];
  /** Log files that could not take every line (a full disk): only when one did not. Never changes `status`. */
  logFileFailures?: LogFileLoss[];
  /** Alerts of the processes' `notify:` (docs/notify.md): only when one of them has one. Never changes `status`. */
  notifications?: { sent: number; failed: number };
}

/** A log file that lost lines: which, the error that stopped it first, how many lines never reached it. */
export interface LogFileLoss {
  file: string;
  error: string;
  linesLost: number;
}
