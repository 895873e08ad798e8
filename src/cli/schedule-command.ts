import { loadConfig } from '../config/index.js';
import { formatProblem } from '../config/problem.js';
import { createLogging } from '../logging/logger.js';
import { Redactor } from '../logging/redact.js';
import { kinds } from '../pipelines/registry.js';
import { QueueUnreachable, queueTarget } from '../queue/connection.js';
import { openQueue, type QueueExecutor } from '../queue/producer.js';
import { Scheduler } from '../scheduler/scheduler.js';
import type { ScheduleArgs } from './args.js';
import type { Output } from './output.js';
import { refused, reloadProcessFiles } from './process-files.js';
import { openStore } from './state-store.js';
import { checkLogDir, reportLostLines } from './log-dir.js';

// A lock whose holder has not shown a sign of life for this long is taken over (its heartbeat is every 10 s).
const STALE_MS = 60_000;
const HEARTBEAT_MS = 10_000;

// `main schedule`: stays up; SIGHUP reloads the process files (an invalid set keeps the old one), SIGTERM or
// SIGINT stops taking runs and ends those under way within --grace. Exit 0 after a clean stop, 2 when the
// process files are invalid at start.
export async function scheduleCommand(args: ScheduleArgs, io: Output): Promise<number> {
  const config = await loadConfig(args.config, kinds());
  if (refused(config, args.config, io, 'Nothing was scheduled')) return 2;
  checkLogDir(args.logDir);
  const redactor = new Redactor();
  redactor.add(config.secrets);
  const logging = createLogging({ level: args.verbose ? 'debug' : 'info', logDir: args.logDir, color: io.color, redactor });
  const log = logging.root;
  const store = openStore(args.state, log);
  let executor: QueueExecutor | undefined;
  try {
    executor = args.queue ? await openQueue(args, { redactor, log, graceMs: args.grace * 1000 }) : undefined;
  } catch (error) {
    if (!(error instanceof QueueUnreachable)) throw error;
    store.close();
    io.err(`main: ${error.message}. Nothing was scheduled.`);
    return 1;
  }
  const scheduler = new Scheduler({ configDir: args.config, maxParallel: args.maxParallel, timezone: args.timezone, logging, redactor, store, staleMs: STALE_MS, heartbeatMs: HEARTBEAT_MS, graceMs: args.grace * 1000, executor });
  for (const w of config.warnings) log.warn(formatProblem(w));
  scheduler.load(config.processes);
  scheduler.register();
  const where = executor ? `, each run a job on ${queueTarget(args.queue!).shown}` : '';
  log.info(`Scheduler started (pid ${process.pid}): ${scheduler.processes.length} process(es) from ${args.config}${where}. SIGHUP reloads them, SIGTERM stops.`);

  let reloading = Promise.resolve();
  const onHup = () => {
    reloading = reloading.then(async () => {
      const next = await reloadProcessFiles(args.config, log, redactor, `the ${scheduler.processes.length} process(es) loaded before stay scheduled`);
      if (!next) return;
      scheduler.load(next);
      log.info(`Reloaded ${args.config}: ${scheduler.processes.length} process(es).`);
    });
  };
  let stopped: () => void;
  const stop = new Promise<void>((resolve) => (stopped = resolve));
  let signals = 0;
  const onStop = (signal: NodeJS.Signals) => {
    if (++signals === 1) {
      log.info(`${signal} received: no new runs; ${args.grace} s for those under way.`);
      stopped();
    } else log.warn(`${signal} again: still stopping.`);
  };
  process.on('SIGHUP', onHup);
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  try {
    await stop;
    await reloading;
    await scheduler.shutdown();
  } finally {
    process.off('SIGHUP', onHup);
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    store.close();
    await executor?.close();
  }
  log.info('Scheduler stopped.');
  await logging.close();
  reportLostLines(logging, io);
  return 0;
}
