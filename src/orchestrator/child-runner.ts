import { fork } from 'node:child_process';
import type { ProcessSpec } from '../core/process.js';
import { onAbort } from '../lib/abort.js';
import { onLines } from '../lib/lines.js';
import { setLongTimeout } from '../lib/long-timeout.js';
import { ErrorCode } from '../core/errors.js';
import type { Progress } from '../core/pipeline.js';
import { ChildCommand, ParentCommand, isChildMessage, type LogMessage, type ResultMessage } from '../runtime/protocol.js';
import { type LogLevel } from '../core/process.js';
import { childExecArgv, defaultChildEntry } from './child-entry.js';
import { summariseStderr } from './stderr-summary.js';
import type { ProcessResult } from '../core/result.js';

export interface ChildRunOptions {
  /** Told the child's peak memory when it reports (for the log: it is not part of the summary). */
  onPeakMemory?(bytes: number): void;
  runId: string;
  statePath: string;
  date?: string;
  level: LogLevel;
  /** Time between SIGTERM and SIGKILL when a child must stop. */
  graceMs: number;
  /** Aborted when `main` is asked to stop; its reason is the signal to forward. */
  stop: AbortSignal;
  /** Aborted on a second Ctrl-C: kill now. */
  force?: AbortSignal;
  onLog(message: LogMessage): void;
  onProgress?(progress: Progress): void;
  /** The child program; tests swap in fixtures that misbehave on purpose. */
  entry?: string;
  /** Where the child runs (its relative paths start there); default: here. */
  cwd?: string;
}

// Run one process in its own child process and report how it ended, whatever happens to the child.
export function runInChild(spec: ProcessSpec, options: ChildRunOptions): Promise<ProcessResult> {
  const started = new Date();
  const entry = options.entry ?? defaultChildEntry();
  return new Promise((resolve) => {
    const child = fork(entry, [], { cwd: options.cwd, execArgv: childExecArgv(entry), stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
    let result: ResultMessage | undefined;
    let lastProgress: Progress | undefined;
    let timedOut = false;
    let interruptedBy: string | undefined;
    let killedAfterGrace = false;
    let escalation: NodeJS.Timeout | undefined;
    const stderrTail: string[] = [];
    // Process groups the child's pipeline started and has not seen end: killed when the child is gone.
    const groups = new Set<number>();
    const killGroups = () => {
      for (const pgid of groups) {
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      groups.clear();
    };

    const terminate = (signal: NodeJS.Signals) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      escalation ??= setTimeout(() => {
        killedAfterGrace = true;
        child.kill('SIGKILL');
      }, options.graceMs);
    };
    const onStop = () => {
      interruptedBy = String(options.stop.reason ?? 'SIGTERM');
      terminate(interruptedBy === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
    };
    const onForce = () => {
      killedAfterGrace = true;
      child.kill('SIGKILL');
      killGroups();
    };
    // A process timeout may be longer than one Node timer holds (30 days): it is waited for in steps.
    const timer = spec.timeout
      ? setLongTimeout(() => {
          timedOut = true;
          terminate('SIGTERM');
        }, spec.timeout * 1000)
      : undefined;
    // Shared listeners: a run of many children at once adds one to each signal, not one per child.
    const forgetStop = onAbort(options.stop, onStop);
    const forgetForce = options.force ? onAbort(options.force, onForce) : () => {};

    // Whatever a child prints outside the protocol (a library's warning, V8's out-of-memory report) is logged too.
    for (const [stream, level] of [[child.stdout!, 'info'], [child.stderr!, 'warn']] as const) {
      onLines(stream, (line) => {
        if (!line.trim()) return;
        if (level === 'warn') stderrTail.push(line) > 40 && stderrTail.shift();
        options.onLog({ cmd: ChildCommand.Log, level, message: line, meta: { stream: level === 'warn' ? 'stderr' : 'stdout' } });
      });
    }

    child.on('message', (message: unknown) => {
      if (!isChildMessage(message)) return;
      if (message.cmd === ChildCommand.Log) options.onLog(message);
      else if (message.cmd === ChildCommand.ProcessGroup) {
        if (message.running) groups.add(message.pgid);
        else groups.delete(message.pgid);
      } else if (message.cmd === ChildCommand.Progress) {
        lastProgress = message.progress;
        options.onProgress?.(message.progress);
      } else {
        result = message;
        if (message.maxRssBytes) options.onPeakMemory?.(message.maxRssBytes);
        // A child that reported but does not exit is holding something open: it has the grace period.
        escalation ??= setTimeout(() => child.kill('SIGKILL'), options.graceMs);
      }
    });

    let settled = false;
    const settle = (exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
      if (settled) return;
      settled = true;
      killGroups();
      timer?.clear();
      clearTimeout(escalation);
      forgetStop();
      forgetForce();
      const ended = { exitCode, signal, spawnError, stderrTail, lastProgress, killedAfterGrace };
      resolve(processResult(spec, started, outcome(spec, result, { timedOut, interruptedBy }, ended)));
    };
    child.once('error', (error) => {
      // fork() failed (no such entry, out of processes); the child never ran.
      if (child.pid === undefined) settle(null, null, error);
    });
    // 'close', not 'exit': the last lines the child wrote to stderr (its error) have been read by then.
    child.once('close', (code, signal) => settle(code, signal));
    child.send({ cmd: ParentCommand.Start, runId: options.runId, spec, statePath: options.statePath, date: options.date, level: options.level }, (error) => {
      if (error && child.connected) child.kill('SIGKILL');
    });
  });
}

// The result of a process that started at `started` and ended as `how`, its keys in the order of DESIGN.md's summary.
export function processResult(spec: ProcessSpec, started: Date, how: Outcome): ProcessResult {
  const { status, records, integrity, reports, error } = how;
  const base = { name: spec.name, file: spec.file, type: spec.type, status, startedAt: started.toISOString(), durationMs: Date.now() - started.getTime() };
  return { ...base, ...(records ? { records } : {}), ...(integrity ? { integrity } : {}), ...(reports ? { reports } : {}), ...(error ? { error } : {}) };
}

export interface Ending {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  spawnError?: Error;
  stderrTail: string[];
  lastProgress?: Progress;
  killedAfterGrace: boolean;
}

export type Outcome = Pick<ProcessResult, 'status' | 'records' | 'integrity' | 'reports' | 'error'>;

// What the parent knows (a timeout it set, a signal it forwarded) wins over what the child said.
export function outcome(spec: ProcessSpec, result: ResultMessage | undefined, stop: { timedOut: boolean; interruptedBy?: string }, end: Ending): Outcome {
  const kept = { records: result?.records, integrity: result?.integrity, reports: result?.reports };
  const progress = end.lastProgress ? ` (at ${end.lastProgress.done}${end.lastProgress.total ? `/${end.lastProgress.total}` : ''} ${end.lastProgress.unit})` : '';
  const forced = end.killedAfterGrace ? '; it did not stop within the grace period and was killed' : '';
  if (stop.timedOut && result?.status !== 'success') {
    return { status: 'timeout', ...kept, error: { code: ErrorCode.Timeout, message: `timed out after ${spec.timeout} s${progress}${forced}` } };
  }
  if (stop.interruptedBy && result?.status !== 'success') {
    return { status: 'interrupted', ...kept, error: { code: ErrorCode.Interrupted, message: `interrupted by ${stop.interruptedBy}${progress}${forced}` } };
  }
  if (result) return { status: result.status, ...kept, ...(result.error ? { error: result.error } : {}) };
  if (end.spawnError) return { status: 'failed', error: { code: ErrorCode.ChildDied, message: `could not start the child process: ${end.spawnError.message}` } };
  const why = end.signal
    ? `the child process was killed by ${end.signal}${end.signal === 'SIGKILL' ? ' (out of memory, or killed from outside)' : ''}`
    : `the child process exited with code ${end.exitCode} before reporting a result`;
  const stderr = summariseStderr(end.stderrTail);
  const said = stderr ? `: ${stderr}` : '';
  return { status: 'failed', error: { code: ErrorCode.ChildDied, message: `${why}${progress}${said}` } };
}
