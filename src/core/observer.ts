import type { ProcessSpec } from './process.js';
import type { Progress } from './pipeline.js';
import type { ProcessResult } from './result.js';

// Something that follows a run from outside: a live display on a TTY, the monitoring database, a queue's
// progress events. An observer never changes how a run goes: what it throws is logged, and the run goes on.
export interface RunObserver {
  readonly name: string;
  started?(spec: ProcessSpec, runId: string): void;
  progress?(spec: ProcessSpec, progress: Progress): void;
  /** Called for every process that ends, skipped ones included; a promise returned is awaited before the run ends. */
  finished?(spec: ProcessSpec, result: ProcessResult, runId: string): void | Promise<void>;
  /** The run is over. */
  close?(): void | Promise<void>;
}
