import { describeError, ErrorCode, errorCodeOf, recordsOf } from '../core/errors.js';
import type { PipelineOutcome } from '../core/pipeline.js';
import { loadKind } from '../pipelines/kind-loader.js';
import { createContext } from './context.js';
import type { ChildMessage, ResultMessage, StartMessage } from './protocol.js';

export type PipelineResult = Omit<ResultMessage, 'cmd' | 'maxRssBytes'>;

// Run the pipeline of one process and say how it ended, wherever it runs: in a child process (child.ts) or in
// `main` itself (a `command` process: orchestrator/inline-runner.ts). `send` carries its log lines, progress and
// process groups; `signal` is its stop request.
export async function runPipeline(start: StartMessage, signal: AbortSignal, send: (m: ChildMessage) => unknown): Promise<PipelineResult> {
  const definition = await loadKind(start.spec.type);
  if (!definition) return { status: 'failed', error: { code: ErrorCode.Pipeline, message: `unknown kind "${start.spec.type}"` } };
  const ctx = createContext(start, signal, send);
  let outcome: PipelineOutcome;
  try {
    outcome = await definition.run(start.spec.config, ctx);
  } catch (error) {
    // Stopped: by its stop request, or (a program's guard stopped from outside) by what it ran.
    const records = recordsOf(error);
    const got = records ? { records } : {};
    if (signal.aborted || errorCodeOf(error) === ErrorCode.Interrupted) {
      return { status: 'interrupted', ...got, error: { code: ErrorCode.Interrupted, message: describeError(error) } };
    }
    return { status: 'failed', ...got, error: { code: errorCodeOf(error), message: describeError(error) } };
  } finally {
    ctx.close();
  }
  // A pipeline that failed after doing part of its work says so in `error`, and keeps its counts and checks.
  if (outcome.error) {
    if (signal.aborted) return { status: 'interrupted', ...outcome, error: { code: ErrorCode.Interrupted, message: outcome.error.message } };
    return { status: 'failed', ...outcome };
  }
  const failed = outcome.integrity?.checks.filter((c) => !c.ok) ?? [];
  if (outcome.integrity && !outcome.integrity.ok) {
    const which = failed.map((c) => c.detail ?? `${c.name}: expected ${JSON.stringify(c.expected)}, got ${JSON.stringify(c.actual)}`).join('; ');
    return { status: 'failed', ...outcome, error: { code: ErrorCode.Integrity, message: `integrity check failed: ${which || 'see checks'}` } };
  }
  const { skipped, ...done } = outcome;
  if (skipped !== undefined) return { status: 'skipped', ...done, error: { code: ErrorCode.Skipped, message: skipped } };
  return { status: 'success', ...done };
}
