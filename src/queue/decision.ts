import { ErrorCode } from '../core/errors.js';
import type { ProcessSpec } from '../core/process.js';
import type { ProcessResult } from '../core/result.js';
import { definitionHash, type JobFailure, type ProcessJob } from './job.js';

// The worker's choices about a job, without Redis or a child process: what the processor does with them is
// in processor.ts. Pure, so that every branch is tested alone (test/queue/decision.test.ts).

// Whether this worker may run the job: it must define the process as the producer did.
export type Admission = { run: true; spec: ProcessSpec } | { run: false; failure: JobFailure };

export function admit(job: Pick<ProcessJob, 'process' | 'hash' | 'inputs'>, spec: ProcessSpec | undefined, worker: { name: string; configDir: string }): Admission {
  if (!spec) return { run: false, failure: { code: ErrorCode.ConfigDrift, message: `worker ${worker.name} has no process "${job.process}" in ${worker.configDir}; every worker needs the same process files as the producer` } };
  const hash = definitionHash(spec);
  if (hash !== job.hash) {
    return { run: false, failure: { code: ErrorCode.ConfigDrift, message: `process "${job.process}" in ${spec.file} on worker ${worker.name} differs from the producer's (definition ${hash.slice(0, 12)}, job ${job.hash.slice(0, 12)}); deploy the same process files and environment to every worker` } };
  }
  // Asked for, it runs even when disabled; `logs serve` hands it one received file in place of its inputs.
  return { run: true, spec: { ...spec, enabled: true, ...(job.inputs ? { inputs: job.inputs } : {}) } };
}

// A killed `main` cannot withdraw its jobs: nobody waits for their results, and its next run may start the same process.
export function producerGone(runId: string): JobFailure {
  return { code: ErrorCode.Queue, message: `its producer is gone (run ${runId} no longer waits for it); not run` };
}

// Why a running job was stopped from outside: its producer cancelled it, or this worker lost it (Redis away).
export type StoppedBy = 'cancelled' | 'lost';

export interface Ending {
  /** The process's result, already redacted. */
  result: ProcessResult;
  stoppedBy?: StoppedBy;
  /** This worker is stopping (SIGTERM). */
  workerStopping: boolean;
  /** After a loss: whether the job's lock outlived the outage (the job is still this worker's). */
  lockKept?: boolean;
  worker: string;
}

// What becomes of the job once its process ended: done, back to the queue with no attempt spent, or failed
// (`retry`: BullMQ may try it again; `result`: written to the job for the producer to report).
export type Verdict =
  | { action: 'complete'; result: ProcessResult }
  | { action: 'requeue'; why: 'worker stopping' | 'lock kept' }
  | { action: 'fail'; failure: JobFailure; retry: boolean; result?: ProcessResult };

export function verdict(end: Ending): Verdict {
  if (end.stoppedBy === 'lost') {
    // Killed because Redis was away. If the lock outlived the outage, the job is still this worker's: back to the
    // queue. If not, another worker has it, and this run is not its result.
    if (end.lockKept) return { action: 'requeue', why: 'lock kept' };
    return { action: 'fail', failure: { code: ErrorCode.Queue, message: `worker ${end.worker} lost the job's lock; another worker runs it` }, retry: true };
  }
  const { result } = end;
  if (result.status === 'success') return { action: 'complete', result };
  // Stopped because this worker is stopping: back to the queue for another worker, no attempt spent.
  if (result.status === 'interrupted' && end.workerStopping && !end.stoppedBy) return { action: 'requeue', why: 'worker stopping' };
  const failure = { code: result.error?.code ?? ErrorCode.Pipeline, message: result.error?.message ?? result.status };
  // The producer asked to stop it: trying again would undo what was asked.
  return { action: 'fail', failure, retry: end.stoppedBy !== 'cancelled', result };
}
