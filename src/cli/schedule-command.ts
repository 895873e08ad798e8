import { queueTarget } from '../queue/target.js';
import { Scheduler } from '../scheduler/scheduler.js';
import type { ScheduleArgs } from './args.js';
import { openCommandContext } from './command-context.js';
import { daily, housekeep } from './housekeeping.js';
import type { Output } from './output.js';
import { reloadProcessFiles } from './process-files.js';

// A lock whose holder has not shown a sign of life for this long is taken over (its heartbeat is every 10 s).
const STALE_MS = 60_000;
const HEARTBEAT_MS = 10_000;

// `main schedule`: stays up; SIGHUP reloads the process files (an invalid set keeps the old one), SIGTERM or
// SIGINT stops taking runs and ends those under way within --grace. Exit 0 after a clean stop, 2 when the
// process files are invalid at start.
export async function scheduleCommand(args: ScheduleArgs, io: Output): Promise<number> {
  const ctx = await openCommandContext(args, io, { refusal: 'Nothing was scheduled', reportLostLines: true });
  if (!ctx) return 2;
  const { config, log, logging, redactor, store } = ctx;
  let scheduler: Scheduler;
  let reloading = Promise.resolve();
  const onHup = () => {
    reloading = reloading.then(async () => {
      const next = await reloadProcessFiles(args.config, log, redactor, `the ${scheduler.processes.length} process(es) loaded before stay scheduled`);
      if (!next) return;
      scheduler.load(next);
      log.info(`Reloaded ${args.config}: ${scheduler.processes.length} process(es).`);
    });
  };
  const housekeeping = daily(() => housekeep(ctx, args, scheduler.processes));
  let stopped: () => void;
  const stop = new Promise<void>((resolve) => (stopped = resolve));
  let signals = 0;
  const onStop = (signal: NodeJS.Signals) => {
    if (++signals === 1) {
      log.info(`${signal} received: no new runs; ${args.grace} s for those under way.`);
      stopped();
    } else log.warn(`${signal} again: still stopping.`);
  };
  try {
    const executor = await ctx.openQueue(args, { graceMs: args.grace * 1000 });
    scheduler = new Scheduler({ configDir: args.config, maxParallel: args.maxParallel, timezone: args.timezone, logging, redactor, store, staleMs: STALE_MS, heartbeatMs: HEARTBEAT_MS, graceMs: args.grace * 1000, executor, afterRun: housekeeping.afterRun });
    scheduler.load(config.processes);
    scheduler.register();
    const where = executor ? `, each run a job on ${queueTarget(args.queue!).shown}` : '';
    // Before the line that says so: a SIGHUP that follows it at once must find its handler, not end the process.
    process.on('SIGHUP', onHup);
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    log.info(`Scheduler started (pid ${process.pid}): ${scheduler.processes.length} process(es) from ${args.config}${where}. SIGHUP reloads them, SIGTERM stops.`);
  } catch (error) {
    process.off('SIGHUP', onHup);
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    await ctx.close();
    throw error;
  }

  try {
    await stop;
    await reloading;
    await scheduler.shutdown();
    await housekeeping.idle();
  } finally {
    process.off('SIGHUP', onHup);
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    await ctx.close('Scheduler stopped.');
  }
  return 0;
}
