// The shared words for a process: its definition once loaded and checked, and where its logs and results go.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

// Where each process's result goes as a point (the Grafana dashboard under docker/ reads it).
export interface MonitoringConfig {
  url: string;
  database: string;
  user?: string;
  password?: string;
  tls_verify: boolean;
  measurement: string;
  /** Seconds one write may take before it is given up. */
  timeout: number;
  tags: Record<string, string>;
}

// Where the log lines of a process go too (Loki's push API).
export interface LokiConfig {
  url: string;
  user?: string;
  password?: string;
  tls_verify: boolean;
  labels: Record<string, string>;
}

// A valid, interpolated process with every default filled in: what a runner may trust.
export interface ProcessSpec {
  name: string;
  file: string;
  type: string;
  enabled: boolean;
  timeout?: number;
  /** The cron expression and, when the process names one, its zone. */
  schedule?: { cron: string; timezone?: string };
  /** Processes that must succeed before this one runs. */
  after?: string[];
  logging?: { level?: string; file?: string; loki?: LokiConfig };
  /** Where a point with the result goes after the process. */
  monitoring?: MonitoringConfig;
  /** The whole definition as validated, kind keys included. */
  config: Record<string, unknown>;
  /** `logs serve`: the received file, run instead of the definition's `inputs`. */
  inputs?: string[];
}

/** When a process runs next, as `main schedule` would run it (`main next` prints it, `main serve` shows it). */
export interface PlannedRun {
  process: string;
  type: string;
  cron?: string;
  timezone?: string;
  /** ISO times with the zone's offset; empty without a schedule of its own. */
  next: string[];
  after?: string[];
}
