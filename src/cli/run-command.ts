import { resolve } from 'node:path';
import { writeAtomically } from '../lib/atomic-write.js';
import { unwritable } from '../config/common-checks.js';
import { loadConfig } from '../config/index.js';
import { type ProcessSpec } from '../core/process.js';
import { formatProblem } from '../config/problem.js';
import { createLogging } from '../logging/logger.js';
import { Redactor } from '../logging/redact.js';
import { listenForInterruption } from '../orchestrator/interruption.js';
import { runProcesses } from '../orchestrator/run.js';
import { exitCodeOf } from '../orchestrator/summary.js';
import { type RunSummary } from '../core/result.js';
import { kinds } from '../pipelines/registry.js';
import type { RunArgs } from './args.js';
import { UsageError } from './args.js';
import type { Output } from './output.js';
import { refused } from './process-files.js';
import { createProgressDisplay, wantsProgressDisplay } from './progress-display.js';
import { renderSummary } from './summary-table.js';
import { openStore } from './state-store.js';
import { renderValidation } from './validate-report.js';
import { QueueUnreachable } from '../queue/connection.js';
import { openQueue, type QueueExecutor } from '../queue/producer.js';
import { checkLogDir } from './log-dir.js';

// `main` and `main --validate-only`: load and check everything first; run only a configuration without problems.
export async function runCommand(args: RunArgs, io: Output): Promise<number> {
  // --date goes to the checks: a day a kind cannot run is refused with the other problems, before anything runs.
  const config = await loadConfig(args.config, kinds(), { date: args.date });
  if (args.validateOnly) {
    io.out(renderValidation(args.config, config));
    return config.problems.length ? 2 : 0;
  }
  if (refused(config, args.config, io, 'Nothing was run')) return 2;
  const selected = select(config.processes, args.only);
  const reportProblem = args.report ? unwritable(resolve(args.report)) : undefined;
  if (reportProblem) throw new UsageError(`cannot write the report to "${args.report}": ${reportProblem}`);
  checkLogDir(args.logDir);
  const redactor = new Redactor();
  redactor.add(config.secrets);
  // A live line per running process on a terminal only (never in logs, cron or CI); log lines pass above it.
  const display = wantsProgressDisplay(process.stderr) ? createProgressDisplay({ stream: process.stderr, color: io.color, redact: (text) => redactor.text(text) }) : undefined;
  const logging = createLogging({ level: args.verbose ? 'debug' : 'info', logDir: args.logDir, color: io.color, redactor, consoleStream: display?.logStream });
  for (const w of config.warnings) logging.root.warn(formatProblem(w));
  const store = openStore(args.state, logging.root);
  const interruption = listenForInterruption((signal, forced) =>
    logging.root.warn(forced ? `${signal} again: killing the child processes now.` : `${signal} received: stopping the running processes (send it again to kill them now).`),
  );
  interruption.stop.addEventListener('abort', () => display?.close()); // Ctrl-C: the live area goes at once
  let summary: RunSummary;
  let executor: QueueExecutor | undefined;
  try {
    executor = args.queue ? await openQueue(args, { date: args.date, redactor, log: logging.root }) : undefined;
    // Through the queue every job is enqueued at once: the workers' --concurrency sets the pace.
    const maxParallel = executor ? Math.max(1, selected.length) : args.maxParallel;
    summary = await runProcesses(selected, { configDir: args.config, maxParallel, date: args.date, logging, redactor, store, interruption, executor, observers: display ? [display] : [] });
  } catch (error) {
    if (!(error instanceof QueueUnreachable)) throw error;
    io.err(`main: ${error.message}. Nothing was run.`);
    return 1;
  } finally {
    await executor?.close();
    display?.close();
    interruption.dispose();
    store.close();
    await logging.close();
  }
  // Counted once the last lines are written (or not); the run's status and exit code stay what its processes did.
  const lost = logging.losses();
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
