import type { ProcessSpec } from '../core/process.js';
import { describeError, ErrorCode } from '../core/errors.js';
import type { Progress } from '../core/pipeline.js';
import type { ProcessResult } from '../core/result.js';
import { onAbort } from '../lib/abort.js';
import { setLongTimeout } from '../lib/long-timeout.js';
import { sampleTreeMemory, type TreeMemory } from '../lib/tree-memory.js';
import { ChildCommand, ParentCommand, type ChildMessage, type ResultMessage } from '../runtime/protocol.js';
import { runPipeline } from '../runtime/run-pipeline.js';
import { outcome, processResult, type ChildRunOptions } from './child-runner.js';

// Run one process in `main` itself, for a kind whose work is done by programs it starts (`command`): a Node child
// only to start a program cost more than the program (docs/performance.md, Orchestrator). The pipeline's context
// talks to the handlers a child's messages reach, and each program runs under a guard (lib/guard.ts) that stops
// it if `main` dies. Timeouts, stop requests and `outcome()` are the child runner's; the peak memory reported is
// that of the programs' process trees (lib/tree-memory.ts).
export function runInline(spec: ProcessSpec, options: Omit<ChildRunOptions, 'entry'>): Promise<ProcessResult> {
  const started = new Date();
  const controller = new AbortController();
  let result: ResultMessage | undefined;
  let lastProgress: Progress | undefined;
  let timedOut = false;
  let interruptedBy: string | undefined;
  let killedAfterGrace = false;
  let escalation: NodeJS.Timeout | undefined;
  let settled = false;
  let peak: number | undefined;
  // Process groups the pipeline started and has not seen end, each with its memory sampler.
  const groups = new Map<number, TreeMemory>();
  const endGroup = (pgid: number) => {
    const bytes = groups.get(pgid)?.stop();
    groups.delete(pgid);
    if (bytes !== undefined) peak = Math.max(peak ?? 0, bytes);
  };
  const killGroups = () => {
    for (const pgid of [...groups.keys()]) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
      endGroup(pgid);
    }
  };

  // The in-process channel: what a child would send, handled as runInChild handles it.
  const send = (message: ChildMessage) => {
    if (message.cmd === ChildCommand.Log) options.onLog(message);
    else if (message.cmd === ChildCommand.ProcessGroup) {
      if (message.running) groups.set(message.pgid, sampleTreeMemory(message.pgid));
      else endGroup(message.pgid);
    } else if (message.cmd === ChildCommand.Progress) {
      lastProgress = message.progress;
      options.onProgress?.(message.progress);
    }
  };

  return new Promise((resolve) => {
    const settle = () => {
      if (settled) return;
      settled = true;
      killGroups();
      timer?.clear();
      clearTimeout(escalation);
      forgetStop();
      forgetForce();
      if (peak !== undefined) options.onPeakMemory?.(peak);
      const ended = { exitCode: 0, signal: null, stderrTail: [], lastProgress, killedAfterGrace };
      resolve(processResult(spec, started, outcome(spec, result, { timedOut, interruptedBy }, ended)));
    };
    // A stop aborts the pipeline, whose programs get SIGTERM and their own grace; what is left after ours is killed.
    const terminate = (reason: string) => {
      if (settled) return;
      controller.abort(new Error(reason));
      escalation ??= setTimeout(() => {
        killedAfterGrace = true;
        settle();
      }, options.graceMs);
    };
    const timer = spec.timeout
      ? setLongTimeout(() => {
          timedOut = true;
          terminate(`timed out after ${spec.timeout} s`);
        }, spec.timeout * 1000)
      : undefined;
    const forgetStop = onAbort(options.stop, () => {
      interruptedBy = String(options.stop.reason ?? 'SIGTERM');
      terminate(`received ${interruptedBy}`);
    });
    const forgetForce = options.force
      ? onAbort(options.force, () => {
          killedAfterGrace = true;
          queueMicrotask(settle); // not before forgetForce is set, when the force came first
        })
      : () => {};

    const start = { cmd: ParentCommand.Start as const, runId: options.runId, spec, statePath: options.statePath, date: options.date, level: options.level, cwd: options.cwd };
    runPipeline(start, controller.signal, send).then(
      (ended) => (result = { cmd: ChildCommand.Result, ...ended }),
      (error: unknown) => (result = { cmd: ChildCommand.Result, status: 'failed', error: { code: ErrorCode.Pipeline, message: `crashed: ${describeError(error)}` } }),
    ).finally(settle);
  });
}
