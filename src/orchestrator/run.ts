import pLimit from 'p-limit';
import type { Logger } from 'winston';
import type { ProcessSpec } from '../core/process.js';
import type { Logging } from '../logging/logger.js';
import type { Redactor } from '../logging/redact.js';
import type { StateStore } from '../state/store.js';
import { projectFolder } from '../config/project.js';
import { runInChild, type ChildRunOptions } from './child-runner.js';
import { runInline } from './inline-runner.js';
import type { Interruption } from './interruption.js';
import { monitoringObserver } from '../monitoring/observer.js';
import { notifyRun } from '../notify/send.js';
import type { RunObserver } from '../core/observer.js';
import { effectiveConfig, type Executor } from './executor.js';
import { lockedRun, type LockOptions } from './process-lock.js';
import { newRunId, runStatus, skipped } from './summary.js';
import { type ProcessResult, type RunSummary } from '../core/result.js';

export interface RunOptions {
  configDir: string;
  maxParallel: number;
  date?: string;
  graceMs?: number;
  logging: Logging;
  /** Error messages come from children and commands: they are masked before they are stored or shown. */
  redactor: Redactor;
  store: StateStore;
  interruption: Pick<Interruption, 'stop' | 'force'>;
  /** The child program; tests swap in fixtures. */
  entry?: string;
  /** Followers of the run (a live display); each process's `monitoring` is always followed. */
  observers?: RunObserver[];
  /** Where processes run: a child process here unless told otherwise (the queue). */
  executor?: Executor;
  /** How a process run here takes its lock (see process-lock.ts); the queue's workers take it where they run. */
  lock?: LockOptions;
}

// What running one process needs, whoever runs it (a run of many here, or a worker taking one job).
export interface ProcessRunOptions {
  logging: Logging;
  store: StateStore;
  /** Aborted when the process is asked to stop (its reason: the signal). */
  stop: AbortSignal;
  /** Aborted when it is asked again: kill, stop waiting. */
  force?: AbortSignal;
  date?: string;
  graceMs?: number;
  /** The child program; tests swap in fixtures. */
  entry?: string;
  /** Where the process runs: a child process here unless told otherwise (the queue). */
  executor?: Executor;
  /** How a process run here takes its lock (see process-lock.ts); the queue's workers take it where they run. */
  lock?: LockOptions;
  /** Told of its start, progress and end. */
  observers?: RunObserver[];
  /** The folder the child runs in, which its relative paths are read from: the project folder. */
  cwd?: string;
}

const DEFAULT_GRACE_MS = 10_000;

// Run every process in its own child, `maxParallel` at a time, and record each result as it lands.
export async function runProcesses(specs: readonly ProcessSpec[], options: RunOptions): Promise<RunSummary> {
  const started = new Date();
  const runId = newRunId(started);
  const { root } = options.logging;
  const { stop } = options.interruption;
  options.store.beginRun(runId, started.toISOString(), options.configDir);
  const enabled = specs.filter((s) => s.enabled);
  root.info(`Run ${runId} started: ${enabled.length} of ${specs.length} processes, at most ${options.maxParallel} at once.`, { runId });

  const limit = pLimit(options.maxParallel);
  const observers = new Observers([monitoringObserver(root, options.interruption.force ?? new AbortController().signal), ...(options.observers ?? [])], root);
  const record = (spec: ProcessSpec, raw: ProcessResult) => {
    const result = options.redactor.value(raw) as ProcessResult;
    options.store.recordProcess(runId, result);
    observers.finished(spec, result, runId);
    return result;
  };
  const running = new Map<string, Promise<ProcessResult>>();
  const selected = new Set(specs.map((s) => s.name));
  // `after`: a process waits for those it names (when they are part of this run) before it takes a slot.
  const runOne = async (spec: ProcessSpec): Promise<ProcessResult> => {
    await null; // every process is in `running` by now
    if (!spec.enabled) return record(spec, skipped(spec, 'disabled in its process file'));
    const before = (spec.after ?? []).filter((name) => selected.has(name));
    const notOk = (await Promise.all(before.map((name) => running.get(name)!))).filter((r) => r.status !== 'success');
    if (notOk.length) return record(spec, skipped(spec, `not started: ${notOk.map((r) => `"${r.name}" ${r.status === 'skipped' ? 'did not run' : r.status}`).join(', ')}, and it runs after ${before.length === 1 ? 'it' : 'them'}`));
    return runNow(spec);
  };
  const { logging, store, date, graceMs, entry, executor, lock } = options;
  const one: ProcessRunOptions = { logging, store, stop, force: options.interruption.force, date, graceMs, entry, executor, lock, observers: observers.list, cwd: projectFolder(options.configDir) };
  const runNow = (spec: ProcessSpec) =>
    limit(async () => {
      if (stop.aborted) return record(spec, skipped(spec, `not started: the run was interrupted by ${stop.reason}`));
      return record(spec, await runLogged(spec, runId, one));
    });
  for (const spec of specs) running.set(spec.name, runOne(spec));
  const results = await Promise.all(specs.map((spec) => running.get(spec.name)!));
  // The run is what its processes did: recorded before the observers' last writes, which a signal cuts short
  // but which never change it.
  const summary: RunSummary = { runId, startedAt: started.toISOString(), finishedAt: new Date().toISOString(), status: runStatus(results, stop.aborted), processes: results };
  options.store.finishRun(summary);
  await observers.close();
  root.info(`Run ${runId} ${summary.status}.`, { runId });
  // Alerts last, about what finished (an interrupted run's too); a second signal cuts them short.
  const notifications = await notifyRun(summary, specs, { log: root, ledger: options.store.alerts, force: options.interruption.force });
  return notifications ? { ...summary, notifications } : summary;
}

// One process, in its child or on a worker, its start and end logged with the time it took and its peak memory. Run
// here, it holds the process's lock in the state store: never two runs of one process at once.
export async function runLogged(spec: ProcessSpec, runId: string, options: ProcessRunOptions): Promise<ProcessResult> {
  if (options.executor) return execute(spec, runId, options);
  return lockedRun(spec, runId, options.store, options.logging, { ...options.lock, stop: options.stop }, () => execute(spec, runId, options));
}

async function execute(spec: ProcessSpec, runId: string, options: ProcessRunOptions): Promise<ProcessResult> {
  const log = options.logging.forProcess(spec, runId);
  log.info('Started.');
  const observers = options.observers ?? [];
  for (const o of observers) guard(log, o, () => o.started?.(spec, runId));
  let peakMb: number | undefined;
  const executor = options.executor ?? localExecutor(options);
  let result = await executor.run(spec, runId, {
    log,
    ...(options.date ? { date: options.date } : {}),
    progress: (p) => observers.forEach((o) => guard(log, o, () => o.progress?.(spec, p))),
    peakMemory: (bytes) => (peakMb = Math.round(bytes / 1048576)),
    stop: options.stop,
    force: options.force,
  });
  // Retention where the run happened (a worker's own executor is local too): never twice for one run.
  if (result.status === 'success' && !options.executor && spec.config.retention) {
    const retention = await (await import('../retention/archives.js')).pruneAfterRun(spec, options.cwd ?? process.cwd(), log);
    if (retention) result = { ...result, retention };
  }
  const memory = peakMb === undefined ? '' : `, peak memory ${peakMb} MB`;
  const how = `Finished: ${result.status} in ${(result.durationMs / 1000).toFixed(1)} s${memory}`;
  const meta = { durationMs: result.durationMs, ...(peakMb === undefined ? {} : { peakMemoryMb: peakMb }) };
  if (result.status === 'success') log.info(`${how}.`, meta);
  else log.error(`${how}: ${result.error?.message ?? 'no reason given'}`, { code: result.error?.code, ...meta });
  return result;
}

// Kinds whose work is done by the programs they start: run in `main`, each program under a guard (inline-runner.ts).
const INLINE_KINDS = new Set(['command']);

// Each process in a child process of this one, or, for the kinds above, in this one (unless a test swapped the child).
function localExecutor(options: ProcessRunOptions): Executor {
  return {
    run: (spec, runId, hooks) => {
      const runOptions: ChildRunOptions = {
        runId,
        statePath: options.store.path,
        date: options.date,
        level: options.logging.levelOf(spec),
        graceMs: options.graceMs ?? DEFAULT_GRACE_MS,
        stop: options.stop,
        force: options.force,
        entry: options.entry,
        cwd: options.cwd,
        onLog: (m) => hooks.log.log(m.level, m.message, m.meta),
        onProgress: hooks.progress,
        onPeakMemory: hooks.peakMemory,
      };
      const effective = { ...spec, config: effectiveConfig(spec) };
      return INLINE_KINDS.has(spec.type) && !options.entry ? runInline(effective, runOptions) : runInChild(effective, runOptions);
    },
  };
}

// Observers are told in order; a throw or a rejection is logged and never reaches the run.
class Observers {
  private readonly pending: Promise<void>[] = [];
  constructor(
    readonly list: RunObserver[],
    private readonly log: Logger,
  ) {}

  finished(spec: ProcessSpec, result: ProcessResult, runId: string): void {
    for (const o of this.list) {
      if (!o.finished) continue;
      const done = new Promise<void>((resolve) => resolve(o.finished!(spec, result, runId)));
      this.pending.push(done.catch((error: unknown) => void this.log.warn(`${o.name}: ${(error as Error).message}`, { process: spec.name })));
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.pending);
    for (const o of this.list) await new Promise<void>((resolve) => resolve(o.close?.())).catch((error: unknown) => void this.log.warn(`${o.name}: ${(error as Error).message}`));
  }
}

function guard(log: Logger, observer: RunObserver, call: () => void): void {
  try {
    call();
  } catch (error) {
    log.warn(`${observer.name}: ${(error as Error).message}`);
  }
}
