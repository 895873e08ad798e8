import { spawn } from 'node:child_process';
import { programEnd, spawnGuarded } from './guard.js';
import { onLines } from './lines.js';
import { setLongTimeout } from './long-timeout.js';
import { ErrorCode, PipelineError } from '../core/errors.js';
import type { PipelineContext } from '../core/pipeline.js';

// A cap against a binary stream with no newline; lines are cut for display only after masking, in the parent.
const MAX_LINE = 1024 * 1024;
const TAIL_LINES = 3;

// A program a kind runs: `command`'s steps, `adatrap`'s processing program.
export interface ProgramSpec {
  file: string;
  args: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** Seconds before it is stopped (SIGTERM to its group, then SIGKILL after the grace). */
  timeout?: number;
  /** How messages name it: the whole command line, quoted. */
  label: string;
  /** The code of the error when it cannot start or times out. */
  errorCode: string;
  /** Run it under a guard shell (guard.ts) that stops its group when this process dies: for a program `main`
   *  runs itself, with no Node child between them to do that. */
  guarded?: boolean;
}

export interface StepOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The last lines written to stderr (or stdout when stderr was silent), for the error message. */
  tail: string[];
}

// Run one step in its own process group so that a stop reaches everything it started.
export function runProgram(spec: ProgramSpec, ctx: Pick<PipelineContext, 'signal' | 'log' | 'trackProcessGroup'>, graceMs: number): Promise<StepOutcome> {
  const { file, args, label } = spec;
  if (ctx.signal.aborted) return Promise.reject(new PipelineError(ErrorCode.Interrupted, `${label}: stopped before it started`));
  return new Promise((resolve, reject) => {
    const child = spec.guarded
      ? spawnGuarded(file, args, { cwd: spec.cwd, env: spec.env, graceSeconds: graceMs / 1000 })
      : spawn(file, args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const stderrTail: string[] = [];
    const stdoutTail: string[] = [];
    let stoppedBy: string | undefined;
    let escalation: NodeJS.Timeout | undefined;
    // The guard killed from outside (SIGKILL: as the OOM killer kills a child process).
    let guardKilledBy: NodeJS.Signals | undefined;

    const stop = (reason: string) => {
      if (stoppedBy || child.exitCode !== null || child.pid === undefined) return;
      stoppedBy = reason;
      killGroup(child.pid, 'SIGTERM');
      escalation = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), graceMs);
    };
    const release = child.pid !== undefined ? ctx.trackProcessGroup(child.pid) : () => {};
    const onAbort = () => stop('stopped');
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    const stepTimer = spec.timeout ? setLongTimeout(() => stop(`timed out after ${spec.timeout} s`), spec.timeout * 1000) : undefined;

    pipeLines(child.stdout!, (line) => {
      remember(stdoutTail, line);
      ctx.log.info(line, { stream: 'stdout', step: label });
    });
    pipeLines(child.stderr!, (line) => {
      remember(stderrTail, line);
      ctx.log.info(line, { stream: 'stderr', step: label });
    });

    const finish = () => {
      // A guarded step is over: its guard's watcher, and anything else left in its group, goes now.
      if (spec.guarded && child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      child.stdin?.destroy();
      release();
      stepTimer?.clear();
      clearTimeout(escalation);
      ctx.signal.removeEventListener('abort', onAbort);
    };
    child.once('error', (error) => {
      finish();
      reject(new PipelineError(spec.errorCode, `${label}: cannot start "${file}": ${error.message}`, { cause: error }));
    });
    child.once('exit', (_code, signal) => {
      if (spec.guarded && signal !== null) {
        // The guard died of a signal: one we sent to the group (its program has the grace to end), or one from
        // outside. SIGTERM or SIGINT from outside stops the step as a stop request would; anything else killed it.
        if (stoppedBy) return;
        if (signal === 'SIGTERM' || signal === 'SIGINT') return stop('stopped');
        guardKilledBy = signal;
      }
      // Whatever the step left running in its group (a daemonised grandchild holding our pipes) goes with it.
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    });
    child.once('close', (code, signal) => {
      finish();
      if (guardKilledBy) {
        const why = `${label}: the shell that ran it (a child process of main) was killed by ${guardKilledBy}${guardKilledBy === 'SIGKILL' ? ' (out of memory, or killed from outside)' : ''}`;
        return reject(new PipelineError(ErrorCode.ChildDied, why));
      }
      if (stoppedBy === 'stopped') return reject(new PipelineError(ErrorCode.Interrupted, `${label}: stopped before it finished`));
      if (stoppedBy) return reject(new PipelineError(spec.errorCode, `${label}: ${stoppedBy}`));
      const end = spec.guarded && code !== null ? programEnd(code) : { exitCode: code, signal };
      resolve({ ...end, tail: stderrTail.length ? stderrTail : stdoutTail });
    });
  });
}

// "exited with code 3: rsync: connection refused" — what a person needs to start looking.
export function describeExit(label: string, outcome: StepOutcome): string {
  const how = outcome.signal ? `was killed by ${outcome.signal}` : `exited with code ${outcome.exitCode}`;
  return outcome.tail.length ? `${label} ${how}: ${outcome.tail.join(' | ')}` : `${label} ${how}`;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function pipeLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  onLines(stream, (line) => {
    const text = line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}... (${line.length - MAX_LINE} more characters)` : line;
    if (text.trim() !== '') onLine(text);
  });
}

function remember(tail: string[], line: string): void {
  tail.push(line.trim());
  if (tail.length > TAIL_LINES) tail.shift();
}
