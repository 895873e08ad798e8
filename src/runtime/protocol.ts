import type { ProcessSpec } from '../core/process.js';
import type { Integrity, LogMeta, Progress, Records } from '../core/pipeline.js';
import type { LogLevel } from '../core/process.js';

// Parent → child. (bullmq's sandboxed processors speak two small enums like these.)
export enum ParentCommand {
  Start = 'start',
}

// Child → parent.
export enum ChildCommand {
  Log = 'log',
  Progress = 'progress',
  Result = 'result',
  /** A process group the child started (a command step), or ended: the parent kills what a dead child left. */
  ProcessGroup = 'process-group',
}


export interface StartMessage {
  cmd: ParentCommand.Start;
  runId: string;
  spec: ProcessSpec;
  statePath: string;
  date?: string;
  level: LogLevel;
  /** The project folder, where relative paths are read from; a child already runs in it. */
  cwd?: string;
}

export interface LogMessage {
  cmd: ChildCommand.Log;
  level: LogLevel;
  message: string;
  meta?: LogMeta;
}

export interface ProgressMessage {
  cmd: ChildCommand.Progress;
  progress: Progress;
}

// What the child knows of how its pipeline ended; the parent adds what only it knows (timeouts, signals).
export interface ResultMessage {
  cmd: ChildCommand.Result;
  status: 'success' | 'failed' | 'interrupted' | 'skipped';
  records?: Records;
  integrity?: Integrity;
  reports?: string[];
  error?: { code: string; message: string };
  /** The child's peak resident memory, in bytes. */
  maxRssBytes?: number;
}

export interface ProcessGroupMessage {
  cmd: ChildCommand.ProcessGroup;
  pgid: number;
  running: boolean;
}

export type ParentMessage = StartMessage;
export type ChildMessage = LogMessage | ProgressMessage | ResultMessage | ProcessGroupMessage;

export function isChildMessage(value: unknown): value is ChildMessage {
  const cmd = (value as { cmd?: unknown } | null)?.cmd;
  return Object.values(ChildCommand).includes(cmd as ChildCommand);
}
