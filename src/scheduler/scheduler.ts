import type { Cron } from 'croner';
import type { ProcessSpec } from '../core/process.js';
import { compile, scheduleCron } from '../lib/cron.js';
import type { Logging } from '../logging/logger.js';
import type { Redactor } from '../logging/redact.js';
import type { Executor } from '../orchestrator/executor.js';
import { runProcesses } from '../orchestrator/run.js';
import type { StateStore } from '../state/store.js';
import { missedRuns, type Missed } from './missed.js';

export interface SchedulerOptions {
  configDir: string;
  maxParallel: number;
  /** The zone of schedules that name none. */
  timezone: string;
  logging: Logging;
  redactor: Redactor;
  store: StateStore;
  /** A lock whose holder has not beaten for this long is taken over. */
  staleMs: number;
  heartbeatMs: number;
  graceMs: number;
  entry?: string;
  /** `--queue`: each run is a job for the workers instead of a child process here. */
  executor?: Executor;
  /** Told when a run has ended, whatever its status. */
  afterRun?(): void;
}

// `main schedule`: each enabled process at its cron schedule, in a child process through the same runner as
// `main`; never two runs of one process at once (a lock in the state store, shared by every scheduler on it);
// a process with `after` when those it names have succeeded.
export class Scheduler {
  private specs: ProcessSpec[] = [];
  private tasks: Cron[] = [];
  private readonly running = new Set<Promise<unknown>>();
  private readonly lastStart = new Map<string, number>();
  private readonly lastSuccess = new Map<string, number>();
  /** What was missed while no scheduler ran, told by the next run of the process. */
  private readonly missed = new Map<string, Missed>();
  private stopping = false;
  /** Keeps this scheduler's row in the store fresh (`main health`), every heartbeatMs like the locks. */
  private heartbeat?: NodeJS.Timeout;
  private readonly stop = new AbortController();
  private readonly force = new AbortController();

  constructor(private readonly o: SchedulerOptions) {}

  get processes(): readonly ProcessSpec[] {
    return this.specs;
  }

  // (Re)load the processes: new schedules replace the old ones; runs under way go on.
  load(specs: ProcessSpec[], now = new Date()): void {
    for (const task of this.tasks) task.stop();
    this.tasks = [];
    this.specs = specs.filter((s) => s.enabled);
    const log = this.o.logging.root;
    for (const spec of this.specs) {
      if (!spec.schedule) continue;
      const timezone = spec.schedule.timezone ?? this.o.timezone;
      const last = this.o.store.lastFire(spec.name);
      if (last) {
        const missed = missedRuns(compile(spec.schedule.cron, timezone), new Date(last), now);
        if (missed.count > 0) this.missed.set(spec.name, missed);
      }
      const task = scheduleCron(spec.schedule.cron, timezone, (at) => void this.fire(spec, at));
      this.tasks.push(task);
      log.info(`Scheduled ${spec.name} (${spec.type}) at "${spec.schedule.cron}" (${timezone}); next run ${task.nextRun()?.toISOString() ?? 'never'}.`);
    }
    const chained = this.specs.filter((s) => s.after?.length);
    for (const spec of chained) log.info(`${spec.name} runs after ${spec.after!.join(', ')} succeed${spec.after!.length === 1 ? 's' : ''}.`);
    if (this.heartbeat) this.beat();
  }

  // Record this scheduler in the state store, for `main health`, and keep its heartbeat until shutdown.
  register(): void {
    this.o.store.schedulers.register(this.specs.length);
    this.heartbeat = setInterval(() => this.beat(), this.o.heartbeatMs);
  }

  // A heartbeat the store cannot keep is reported by the store, once.
  private beat(): void {
    this.o.store.schedulers.heartbeat(this.specs.length);
  }

  // Stop taking runs; let those under way finish within the grace period, then stop them (SIGTERM), then kill.
  // The scheduler's row leaves the state store once they are over.
  async shutdown(): Promise<void> {
    try {
      await this.drain();
    } finally {
      clearInterval(this.heartbeat);
      if (this.heartbeat) this.o.store.schedulers.unregister();
      this.heartbeat = undefined;
    }
  }

  private async drain(): Promise<void> {
    this.stopping = true;
    for (const task of this.tasks) task.stop();
    this.tasks = [];
    const all = () => Promise.allSettled([...this.running]);
    if (this.running.size) this.o.logging.root.info(`Waiting up to ${this.o.graceMs / 1000} s for ${this.running.size} run(s) under way.`);
    if (await within(all(), this.o.graceMs)) return;
    this.o.logging.root.warn('Runs still going after the grace period: stopping them.');
    this.stop.abort('SIGTERM');
    if (await within(all(), this.o.graceMs)) return;
    this.force.abort('SIGKILL');
    await all();
  }

  // Wait until the scheduler has been shut down and its runs are over.
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private fire(spec: ProcessSpec, at: Date): Promise<void> {
    const run = this.runOnce(spec, at).catch((error: Error) => void this.o.logging.root.error(`${spec.name}: the scheduler could not run it: ${error.message}`));
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
    return run;
  }

  private async runOnce(spec: ProcessSpec, at: Date): Promise<void> {
    if (this.stopping) return;
    const { store, logging } = this.o;
    const log = logging.root;
    const missed = this.missed.get(spec.name);
    if (missed) {
      this.missed.delete(spec.name);
      const range = missed.first && missed.last ? ` (${missed.first.toISOString()} to ${missed.last.toISOString()})` : '';
      log.warn(`${spec.name}: ${missed.atLeast ? 'at least ' : ''}${missed.count} scheduled run(s)${range} were missed while no scheduler was running; they are not replayed.`);
    }
    if (spec.schedule) store.setLastFire(spec.name, at);
    this.lastStart.set(spec.name, Date.now());
    // runLogged takes the process's lock: a run still going (here, in another scheduler, or `main`) skips this one.
    const summary = await runProcesses([{ ...spec, enabled: true }], {
      configDir: this.o.configDir,
      maxParallel: this.o.maxParallel,
      graceMs: this.o.graceMs,
      logging,
      redactor: this.o.redactor,
      store,
      interruption: { stop: this.stop.signal, force: this.force.signal },
      entry: this.o.entry,
      executor: this.o.executor,
      lock: { staleMs: this.o.staleMs, heartbeatMs: this.o.heartbeatMs, self: 'this scheduler' },
    });
    this.o.afterRun?.();
    if (summary.processes[0]?.status !== 'success') return;
    this.lastSuccess.set(spec.name, Date.now());
    // Those that run after this one, once every process they name has succeeded since they last started.
    for (const next of this.specs) {
      if (!next.after?.includes(spec.name)) continue;
      const since = this.lastStart.get(next.name) ?? 0;
      if (next.after.every((name) => (this.lastSuccess.get(name) ?? -1) >= since)) void this.fire(next, new Date());
    }
  }
}

async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
