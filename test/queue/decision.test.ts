import { describe, expect, it } from 'vitest';
import type { ProcessSpec } from '../../src/core/process.js';
import type { ProcessResult } from '../../src/core/result.js';
import { admit, producerGone, verdict } from '../../src/queue/decision.js';
import { definitionHash } from '../../src/queue/job.js';

const spec: ProcessSpec = { name: 'copy', file: 'config/jobs.yaml', type: 'command', enabled: false, config: { type: 'command', run: { argv: ['true'] } } };
const worker = { name: 'host:42', configDir: 'config' };
const result = (status: ProcessResult['status'], error?: ProcessResult['error']): ProcessResult => ({ name: 'copy', file: 'config/jobs.yaml', type: 'command', status, startedAt: '2026-01-01T00:00:00.000Z', durationMs: 5, ...(error ? { error } : {}) });

describe('admit', () => {
  it('runs a job whose process this worker defines as the producer did, enabled, with the inputs it was handed', () => {
    const admission = admit({ process: 'copy', hash: definitionHash(spec), inputs: ['/inbox/a.log'] }, spec, worker);
    expect(admission).toEqual({ run: true, spec: { ...spec, enabled: true, inputs: ['/inbox/a.log'] } });
  });

  it('refuses a process this worker does not have: E_CONFIG_DRIFT naming the worker and its folder', () => {
    expect(admit({ process: 'copy', hash: 'x' }, undefined, worker)).toEqual({
      run: false,
      failure: { code: 'E_CONFIG_DRIFT', message: 'worker host:42 has no process "copy" in config; every worker needs the same process files as the producer' },
    });
  });

  it('refuses a process defined otherwise here: E_CONFIG_DRIFT with both hashes, shortened', () => {
    const admission = admit({ process: 'copy', hash: 'f'.repeat(64) }, spec, worker);
    expect(admission.run).toBe(false);
    if (admission.run) return;
    expect(admission.failure.code).toBe('E_CONFIG_DRIFT');
    expect(admission.failure.message).toBe(`process "copy" in config/jobs.yaml on worker host:42 differs from the producer's (definition ${definitionHash(spec).slice(0, 12)}, job ffffffffffff); deploy the same process files and environment to every worker`);
  });

  it('says why a job whose producer is gone is not run: E_QUEUE', () => {
    expect(producerGone('run-1')).toEqual({ code: 'E_QUEUE', message: 'its producer is gone (run run-1 no longer waits for it); not run' });
  });
});

describe('verdict', () => {
  const base = { workerStopping: false, worker: 'host:42' };

  it('completes a job whose process succeeded', () => {
    const r = result('success');
    expect(verdict({ ...base, result: r })).toEqual({ action: 'complete', result: r });
  });

  it('fails a job whose process failed, with its code and message, to be tried again, its result written', () => {
    const r = result('failed', { code: 'E_COMMAND', message: 'exit 3' });
    expect(verdict({ ...base, result: r })).toEqual({ action: 'fail', failure: { code: 'E_COMMAND', message: 'exit 3' }, retry: true, result: r });
  });

  it('gives a failure without an error E_PIPELINE and its status as the message', () => {
    expect(verdict({ ...base, result: result('timeout') })).toMatchObject({ action: 'fail', failure: { code: 'E_PIPELINE', message: 'timeout' } });
  });

  it('puts a job interrupted because this worker stops back in the queue, no attempt spent', () => {
    expect(verdict({ ...base, workerStopping: true, result: result('interrupted', { code: 'E_INTERRUPTED', message: 'SIGTERM' }) })).toEqual({ action: 'requeue', why: 'worker stopping' });
  });

  it('does not try again a job its producer cancelled', () => {
    const r = result('interrupted', { code: 'E_INTERRUPTED', message: 'interrupted by SIGINT' });
    expect(verdict({ ...base, workerStopping: true, stoppedBy: 'cancelled', result: r })).toEqual({ action: 'fail', failure: { code: 'E_INTERRUPTED', message: 'interrupted by SIGINT' }, retry: false, result: r });
  });

  it('puts a lost job back in the queue when its lock outlived the outage', () => {
    expect(verdict({ ...base, stoppedBy: 'lost', lockKept: true, result: result('interrupted') })).toEqual({ action: 'requeue', why: 'lock kept' });
  });

  it('fails a lost job whose lock another worker has: E_QUEUE, and never reports this run as its result', () => {
    expect(verdict({ ...base, stoppedBy: 'lost', lockKept: false, result: result('success') })).toEqual({ action: 'fail', failure: { code: 'E_QUEUE', message: "worker host:42 lost the job's lock; another worker runs it" }, retry: true });
  });
});
