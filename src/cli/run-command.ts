import { resolve } from 'node:path';
import { unwritable } from '../config/common-checks.js';
import type { ProcessSpec } from '../core/process.js';
import type { RunSummary } from '../core/result.js';
import { writeAtomically } from '../lib/atomic-write.js';
import { runProcesses } from '../orchestrator/run.js';
import { exitCodeOf } from '../orchestrator/summary.js';
import { UsageError, type RunArgs } from './args.js';
import { openCommandContext } from './command-context.js';
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
    date: args.date,
    check(config) {
      selected = select(config.processes, args.only);
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
  let summary: RunSummary;
  try {
    const executor = await ctx.openQueue(args, { date: args.date });
    // Through the queue every job is enqueued at once: the workers' --concurrency sets the pace.
    const maxParallel = executor ? Math.max(1, selected.length) : args.maxParallel;
    const { redactor, logging, store } = ctx;
    summary = await runProcesses(selected, { configDir: args.config, maxParallel, date: args.date, logging, redactor, store, interruption, executor, observers: display ? [display] : [] });
  } finally {
    display?.close();
    await ctx.close();
  }
  // Counted once the last lines are written (or not); the run's status and exit code stay what its processes did.
  const lost = ctx.logging.losses();
  if (lost.length) summary = { ...summary, logFileFailures: lost };
  io.out(args.json ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary));
  const code = exitCodeOf(summary, interruption.signal);
  if (!args.report) return code;
  try {
    await writeAtomically(resolve(args.report), `${JSON.stringify(summary, null, 2)}\n`);
    return code;
  } catch (error) {
    // The run is done and its summary printed; a report that could not be written still fails the command.
    io.err(`main: could not write the report to "${args.report}": ${(error as Error).message}`);
    return code === 0 ? 1 : code;
  }
}

// `--only` names processes; a name that does not exist is a usage error, a disabled one runs because it was asked for.
function select(processes: ProcessSpec[], only: string[] | undefined): ProcessSpec[] {
  if (!only?.length) return processes;
  const unknown = only.filter((name) => !processes.some((p) => p.name === name));
  if (unknown.length) {
    throw new UsageError(`unknown process ${unknown.map((n) => `"${n}"`).join(', ')} in --only; known: ${processes.map((p) => p.name).join(', ')}`);
  }
  return processes.filter((p) => only.includes(p.name)).map((p) => ({ ...p, enabled: true }));
}
