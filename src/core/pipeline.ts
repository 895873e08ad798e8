// The contract between the orchestrator and a pipeline kind.
export type JsonSchema = Record<string, unknown>;

export interface Records {
  read: number;
  written: number;
  rejected: number;
}

export interface IntegrityCheck {
  name: string;
  ok: boolean;
  expected?: unknown;
  actual?: unknown;
  missing?: number;
  extra?: number;
  detail?: string;
}

export interface Integrity {
  ok: boolean;
  checks: IntegrityCheck[];
}

// What a pipeline returns; a failed integrity check makes the process fail.
export interface PipelineOutcome {
  records?: Records;
  integrity?: Integrity;
  /** Files the run wrote for people to read (a report), linked from the run summary. */
  reports?: string[];
  /** Set when the pipeline failed after doing part of its work: what it did stays in `records` and `integrity`. */
  error?: { code: string; message: string };
  /** Set when there was nothing to do (the day's archive is already there): the process ends `skipped`, saying why. */
  skipped?: string;
}

export interface Progress {
  done: number;
  total?: number;
  /** What is counted: "points", "lines", "interfaces" … */
  unit: string;
  message?: string;
}

export type LogMeta = Record<string, unknown>;

export interface PipelineLogger {
  debug(message: string, meta?: LogMeta): void;
  info(message: string, meta?: LogMeta): void;
  warn(message: string, meta?: LogMeta): void;
  error(message: string, meta?: LogMeta): void;
}

// Named positions a pipeline resumes from; values are JSON. Scoped to one process.
export interface Checkpoints {
  get<T = unknown>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  delete(key: string): void;
  entries(): Array<[string, unknown]>;
}

export interface PipelineContext {
  runId: string;
  process: string;
  kind: string;
  /** The process file, as the user named it. */
  file: string;
  /** `--date`, for date-driven pipelines; undefined means "their default day". */
  date?: string;
  /** The project folder (the parent of the config folder): relative paths of the process file are read from it. */
  cwd: string;
  /** Aborted on timeout, on SIGINT/SIGTERM and when the parent goes away: stop soon, clean up, throw. */
  signal: AbortSignal;
  log: PipelineLogger;
  progress(progress: Progress): void;
  checkpoints: Checkpoints;
  /** Declare a process group this pipeline started; call the returned function when it has ended. If the
   *  child process dies first (SIGKILL, OOM), the orchestrator kills the group so nothing runs on unowned. */
  trackProcessGroup(pgid: number): () => void;
}

// A problem a kind finds in a schema-valid definition, located by its path inside the process.
export interface CheckIssue {
  path?: Array<string | number>;
  message: string;
  /** Worth saying, but the process can run (a source line that will be skipped). */
  warning?: boolean;
  /** Point at the key that `path` names, not at its value (a value that is a whole block). */
  atKey?: boolean;
}

export interface CheckContext {
  process: string;
  file: string;
  /** The folder relative paths in the process are resolved against (the project folder, where the process runs). */
  cwd: string;
  /** `--date`, when given: a date-driven kind refuses a day it cannot run, before anything runs. */
  date?: string;
  /** Shared by the checks of one load: a look-up every process would repeat (a program on PATH) is made once. */
  memo: Map<string, unknown>;
}

export interface PipelineDefinition<Config = any> {
  kind: string;
  /** One line for `main schema` and the docs. */
  description: string;
  /** The kind processes one day (`--date`, default yesterday): `--from/--to` runs it once a day. */
  daily?: boolean;
  /** JSON Schema of the kind's own keys (an object schema); defaults live here and only here. */
  schema: JsonSchema;
  /** Checks that need more than the schema; must not connect to anything. */
  check?(config: Config, ctx: CheckContext): CheckIssue[] | Promise<CheckIssue[]>;
  /** What the process will do, in lines `--validate-only -v` shows (a command line, ready to paste). */
  describe?(config: Config): string[];
  run(config: Config, ctx: PipelineContext): Promise<PipelineOutcome>;
}
