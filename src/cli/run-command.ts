import { resolve } from 'node:path';
import { unwritable } from '../config/common-checks.js';
import type { ProcessSpec } from '../core/process.js';
import type { RunSummary } from '../core/result.js';
import { writeAtomically } from '../lib/atomic-write.js';
import { addDays } from '../lib/time-zone.js';
import { runProcesses } from '../orchestrator/run.js';
import { kinds, registry } from '../pipelines/registry.js';
import { exitCodeOf } from '../orchestrator/summary.js';
import { UsageError, type RunArgs } from './args.js';
import { openCommandContext } from './command-context.js';
import { housekeep } from './housekeeping.js';
import type { Output } from './output.js';
import { createProgressDisplay, wantsProgressDisplay, type ProgressDisplay } from './progress-display.js';
import { renderSummary } from './summary-table.js';

// `main`: load and check everything first; run only a configuration without problems.
export async function runCommand(args: RunArgs, io: Output): Promise<number> {
  let selected: ProcessSpec[] = [];
  let display: ProgressDisplay | undefined;
  const ctx = await openCommandContext(args, io, {
    refusal: 'Nothing was run',
    // --date goes to the checks: a day a kind cannot run is refused with the other problems, before anything runs.
    // Of a range, its last day: the one most likely not to have ended.
    date: args.to ?? args.date,
    // --only: the other processes are not validated; an unset variable of theirs does not stop this run.
    only: args.only,
    check(config) {
      selected = select(config.processes, args.only, config.names);
      if (args.from) refuseUndated(selected);
      const reportProblem = args.report ? unwritable(resolve(args.report)) : undefined;
      if (reportProblem) throw new UsageError(`cannot write the report to "${args.report}": ${reportProblem}`);
    },
    // A live line per running process on a terminal only (never in logs, cron or CI); log lines pass above it.
    console(redactor) {
      if (!wantsProgressDisplay(process.stderr)) return undefined;
      display = createProgressDisplay({ stream: process.stderr, color: io.color, redact: (text) => redactor.text(text) });
      return display.logStream;
    },
  });
  if (!ctx) return 2;
  const interruption = ctx.listen({ stopping: 'stopping the running processes (send it again to kill them now)', killing: 'killing the child processes now' });
  interruption.stop.addEventListener('abort', () => display?.close()); // Ctrl-C: the live area goes at once
  const summaries: RunSummary[] = [];
  try {
    const executor = await ctx.openQueue(args);
    // Through the queue every job is enqueued at once: the workers' --concurrency sets the pace.
    const maxParallel = executor ? Math.max(1, selected.length) : args.maxParallel;
    const { redactor, logging, store } = ctx;
    // A range is a run a day, one after another: a process holds one lock, whatever the day.
    for (const date of args.from ? daysFrom(args.from, args.to!) : [args.date]) {
      if (interruption.stop.aborted) break;
      summaries.push(await runProcesses(selected, { configDir: args.config, maxParallel, date, logging, redactor, store, interruption, executor, observers: display ? [display] : [] }));
    }
    if (!interruption.stop.aborted) await housekeep(ctx, args);
  } finally {
    display?.close();
    await ctx.close();
  }
  // Counted once the last lines are written (or not); the run's status and exit code stay what its processes did.
  const lost = ctx.logging.losses();
  if (lost.length) summaries.push({ ...summaries.pop()!, logFileFailures: lost });
  // One day prints one summary, as always; a range prints a summary a day (a JSON array with --json).
  const printed = args.from ? summaries : summaries[0]!;
  if (args.json) io.out(`${JSON.stringify(printed, null, 2)}\n`);
  else for (const [i, summary] of summaries.entries()) io.out(`${args.from ? `${i ? '\n' : ''}Day ${daysFrom(args.from, args.to!)[i]}\n` : ''}${renderSummary(summary)}`);
  const code = summaries.reduce((worst, summary) => Math.max(worst, exitCodeOf(summary, interruption.signal)), 0);
  if (!args.report) return code;
  try {
    await writeAtomically(resolve(args.report), `${JSON.stringify(printed, null, 2)}\n`);
    return code;
  } catch (error) {
    // The run is done and its summary printed; a report that could not be written still fails the command.
    io.err(`main: could not write the report to "${args.report}": ${(error as Error).message}`);
    return code === 0 ? 1 : code;
  }
}

// A range runs each process once a day: a process that takes no day would run as many times, the same.
function refuseUndated(processes: ProcessSpec[]): void {
  const undated = processes.filter((p) => p.enabled && registry.get(p.type)?.daily !== true);
  if (!undated.length) return;
  const daily = kinds().filter((k) => k.daily).map((k) => k.kind).join(', ');
  throw new UsageError(`--from/--to runs a process once a day, and ${undated.map((p) => `"${p.name}" (${p.type})`).join(', ')} takes no day: name the processes to run with --only (kinds that take a day: ${daily})`);
}

// Every day from `from` to `to`, both included.
function daysFrom(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

// `--only` names processes; a name that does not exist is a usage error, a disabled one runs because it was asked for.
function select(processes: ProcessSpec[], only: string[] | undefined, names: string[]): ProcessSpec[] {
  if (!only?.length) return processes;
  const unknown = only.filter((name) => !names.includes(name));
  if (unknown.length) {
    throw new UsageError(`unknown process ${unknown.map((n) => `"${n}"`).join(', ')} in --only; known: ${names.join(', ')}`);
  }
  return processes.filter((p) => only.includes(p.name)).map((p) => ({ ...p, enabled: true }));
}
