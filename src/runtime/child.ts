// Entry of every child process: receive one process, run its pipeline, report, exit.
import { describeError, ErrorCode, errorCodeOf } from '../core/errors.js';
import { loadKind } from '../pipelines/kind-loader.js';
import type { PipelineOutcome } from '../core/pipeline.js';
import { createContext } from './context.js';
import { ChildCommand, ParentCommand, type ChildMessage, type ResultMessage, type StartMessage } from './protocol.js';

const controller = new AbortController();
let reported = false;

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(message, undefined, {}, () => resolve());
  });
}

async function report(result: Omit<ResultMessage, 'cmd' | 'maxRssBytes'>, exitCode = 0): Promise<never> {
  if (!reported) {
    reported = true;
    await send({ cmd: ChildCommand.Result, ...result, maxRssBytes: process.resourceUsage().maxRSS * 1024 });
  }
  process.exit(exitCode);
}

// A stop request (timeout, Ctrl-C, SIGTERM to main) aborts the pipeline, which cleans up and returns.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => controller.abort(new Error(`received ${signal}`)));
}
// The parent is gone (it was killed): nobody will read a result, so stop the work.
process.on('disconnect', () => {
  controller.abort(new Error('the parent process went away'));
  setTimeout(() => process.exit(1), 5000).unref();
});
process.on('uncaughtException', (error) => {
  void report({ status: 'failed', error: { code: ErrorCode.Pipeline, message: `crashed: ${describeError(error)}` } }, 1);
});
process.on('unhandledRejection', (error) => {
  void report({ status: 'failed', error: { code: ErrorCode.Pipeline, message: `crashed: ${describeError(error)}` } }, 1);
});

process.once('message', (message: StartMessage) => {
  if (message?.cmd !== ParentCommand.Start) return void report({ status: 'failed', error: { code: ErrorCode.Pipeline, message: 'expected a start message' } }, 1);
  void run(message);
});

async function run(start: StartMessage): Promise<void> {
  const definition = await loadKind(start.spec.type);
  if (!definition) return void report({ status: 'failed', error: { code: ErrorCode.Pipeline, message: `unknown kind "${start.spec.type}"` } });
  const ctx = createContext(start, controller.signal, send);
  let outcome: PipelineOutcome;
  try {
    outcome = await definition.run(start.spec.config, ctx);
  } catch (error) {
    if (controller.signal.aborted) {
      return void report({ status: 'interrupted', error: { code: ErrorCode.Interrupted, message: describeError(error) } });
    }
    return void report({ status: 'failed', error: { code: errorCodeOf(error), message: describeError(error) } });
  } finally {
    ctx.close();
  }
  // A pipeline that failed after doing part of its work says so in `error`, and keeps its counts and checks.
  if (outcome.error) {
    if (controller.signal.aborted) return void report({ status: 'interrupted', ...outcome, error: { code: ErrorCode.Interrupted, message: outcome.error.message } });
    return void report({ status: 'failed', ...outcome });
  }
  const failed = outcome.integrity?.checks.filter((c) => !c.ok) ?? [];
  if (outcome.integrity && !outcome.integrity.ok) {
    const which = failed.map((c) => c.detail ?? `${c.name}: expected ${JSON.stringify(c.expected)}, got ${JSON.stringify(c.actual)}`).join('; ');
    return void report({ status: 'failed', ...outcome, error: { code: ErrorCode.Integrity, message: `integrity check failed: ${which || 'see checks'}` } });
  }
  const { skipped, ...done } = outcome;
  if (skipped !== undefined) return void report({ status: 'skipped', ...done, error: { code: ErrorCode.Skipped, message: skipped } });
  return void report({ status: 'success', ...done });
}
