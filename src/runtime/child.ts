// Entry of every child process: receive one process, run its pipeline, report, exit.
import { describeError, ErrorCode } from '../core/errors.js';
import { ChildCommand, ParentCommand, type ChildMessage, type StartMessage } from './protocol.js';
import { runPipeline, type PipelineResult } from './run-pipeline.js';

const controller = new AbortController();
let reported = false;

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(message, undefined, {}, () => resolve());
  });
}

async function report(result: PipelineResult, exitCode = 0): Promise<never> {
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
  await report(await runPipeline(start, controller.signal, send));
}
