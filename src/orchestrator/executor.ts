import type { Logger } from 'winston';
import type { ProcessSpec } from '../core/process.js';
import type { Progress } from '../core/pipeline.js';
import type { ProcessResult } from '../core/result.js';

export interface ExecuteHooks {
  /** The process's logger (bound to run, process and type). */
  log: Logger;
  /** The run's day (`--date`, or a day of `--from`/`--to`) for date-driven kinds. */
  date?: string;
  progress(progress: Progress): void;
  peakMemory(bytes: number): void;
  /** Aborted when the run is asked to stop (its reason: the signal). */
  stop: AbortSignal;
  /** Aborted when it is asked again: stop waiting. */
  force?: AbortSignal;
}

// Where a process runs: in a child process here (the default), or on a worker through the queue. Either way
// the result is a ProcessResult that runProcesses records, summarises and reports the same.
export interface Executor {
  run(spec: ProcessSpec, runId: string, hooks: ExecuteHooks): Promise<ProcessResult>;
}

// The definition a child runs: `inputs` set by `logs serve` replaces the process's own.
export function effectiveConfig(spec: ProcessSpec): Record<string, unknown> {
  return spec.inputs ? { ...spec.config, inputs: spec.inputs } : spec.config;
}
