import { createHash } from 'node:crypto';
import type { ProcessSpec } from '../core/process.js';
import { SECRET_KEY } from '../lib/secrets.js';
import type { Progress } from '../core/pipeline.js';
import type { ProcessResult } from '../core/result.js';

// What a job carries: names and a hash, never a definition. Each worker reads the definition from its own
// process files, so no password travels through Redis, and a worker whose files differ refuses the job.
export interface ProcessJob {
  process: string;
  /** definitionHash() of the process as the producer resolved it. */
  hash: string;
  runId: string;
  date?: string;
  /** `logs serve --queue`: the received file to ingest instead of the process's inputs. */
  inputs?: string[];
  /** Written by the worker before a failed attempt throws: the producer reports it as a local run would. */
  result?: ProcessResult;
  /** Written by the worker before it refuses or fails the job: the code and message the producer reports. */
  failure?: JobFailure;
}

// Why a job failed, as it crosses Redis: an object, never a code to be parsed back out of BullMQ's reason string.
export interface JobFailure {
  code: string;
  message: string;
}

// Sent by workers with job.updateProgress.
export type JobProgress = { progress: Progress } | { started: { worker: string; pid: number } };

// SHA-256 of the resolved definition (after ${VAR} interpolation) with its keys sorted, secrets left out:
// a hash over a password would let whoever reads Redis test guesses of it offline. A worker with another
// password is not drift here; its server refuses it, and the error names the server.
export function definitionHash(spec: Pick<ProcessSpec, 'name' | 'type' | 'config'>): string {
  return createHash('sha256').update(canonical({ name: spec.name, type: spec.type, config: spec.config })).digest('hex');
}

const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^\s/]+@/gi;

function canonical(value: unknown, secret = false): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v, secret)).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k], secret || SECRET_KEY.test(k))}`)
      .join(',')}}`;
  }
  if (secret && value !== undefined) return '"<secret>"';
  return JSON.stringify(typeof value === 'string' ? value.replace(URL_PASSWORD, '$1<secret>@') : value) ?? 'null';
}
