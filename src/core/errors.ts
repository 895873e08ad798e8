// The one list of the codes a process's `error.code` may carry (DESIGN.md's summary JSON), the kinds' own
// included. Codes cross the process boundary as strings: check the code, never `instanceof`. (The log transfer's
// wire protocol has its own reply codes, in src/transfer/protocol.ts: they answer a client, not a run.)
import type { Records } from './pipeline.js';

export const ErrorCode = {
  /** The pipeline itself failed (it threw). */
  Pipeline: 'E_PIPELINE',
  /** A command of the `command` kind exited non-zero or could not start. */
  Command: 'E_COMMAND',
  /** The work finished but its integrity check failed. */
  Integrity: 'E_INTEGRITY',
  Timeout: 'E_TIMEOUT',
  Interrupted: 'E_INTERRUPTED',
  /** The child process died without reporting a result (crash, kill, out of memory). */
  ChildDied: 'E_CHILD_DIED',
  /** Not run: disabled, or the run was interrupted before it started. */
  Skipped: 'E_SKIPPED',
  /** Distributed mode: the worker's process files do not define the process as the producer's do. */
  ConfigDrift: 'E_CONFIG_DRIFT',
  /** Distributed mode: the job failed on the queue without a result from a worker (its worker vanished twice). */
  Queue: 'E_QUEUE',

  // The kinds' own codes.
  /** influxdb-copy, monitoring: InfluxDB did not answer, broke off or failed (5xx) after the retries. */
  InfluxRequest: 'E_INFLUX_REQUEST',
  /** influxdb-copy, monitoring: InfluxDB refused the request (4xx: credentials, a bad point). */
  InfluxRejected: 'E_INFLUX_REJECTED',
  /** scan: a source did not give a complete answer (HTTP status, timeout, a broken connection). */
  ScanFetch: 'E_SCAN_FETCH',
  /** scan: what a source gave is not an MRTG log. */
  ScanNotMrtg: 'E_SCAN_NOT_MRTG',
  /** scan: SCAN refused the credentials (401/403) for the first interfaces of a layer, which was stopped. */
  ScanCredentials: 'E_SCAN_CREDENTIALS',
  /** scan: a day has fewer samples than min_completeness asks. */
  ScanIncomplete: 'E_SCAN_INCOMPLETE',
  /** adatrap: an input for the day is missing, or S3 failed after the retries. */
  AdatrapInput: 'E_ADATRAP_INPUT',
  /** adatrap: the program is not the pinned one, a placeholder was left in its parameters, or it could not start. */
  AdatrapProgram: 'E_ADATRAP_PROGRAM',
  /** adatrap: the program exited non-zero, or an output is missing or empty. */
  AdatrapOutput: 'E_ADATRAP_OUTPUT',
  /** adatrap: the archive could not be uploaded, or what S3 holds is not what was sent. */
  AdatrapArchive: 'E_ADATRAP_ARCHIVE',
  /** influxdb-copy archives, restore and check: an archive could not be written or read (its folder, S3), or is incomplete. */
  Archive: 'E_ARCHIVE',
  /** adatrap on EC2: an instance could not be launched, failed, or outlived its maximum lifetime. */
  AdatrapInstance: 'E_ADATRAP_INSTANCE',
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

// An error whose code says what went wrong, so a summary can be read by a program.
export class PipelineError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PipelineError';
    this.code = code;
  }
}

// The message of an error and of its causes, "copying cpu: writing batch 3: ECONNRESET".
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const message = current instanceof Error ? current.message : String(current);
    if (message && !parts.some((p) => p.includes(message))) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ') || 'unknown error';
}

// The first error code along the cause chain ("copying cpu: …" wraps the write error that has one).
export function errorCodeOf(error: unknown): string {
  for (let e: unknown = error, depth = 0; e && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('E_')) return code;
  }
  return ErrorCode.Pipeline;
}

// What a pipeline stopped or failed part-way did get, attached to the error it throws so that the summary still
// counts it (runtime/run-pipeline.ts reads it back). A property, not a class: see the note on `instanceof` above.
export function withRecords<E>(error: E, records: Records): E {
  if (error instanceof Error) Object.assign(error, { recordsSoFar: records });
  return error;
}

export function recordsOf(error: unknown): Records | undefined {
  return (error as { recordsSoFar?: Records } | null)?.recordsSoFar;
}
