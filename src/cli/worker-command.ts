import { loadConfig } from '../config/index.js';
import { formatProblem } from '../config/problem.js';
import { createLogging } from '../logging/logger.js';
import { Redactor } from '../logging/redact.js';
import { listenForInterruption } from '../orchestrator/interruption.js';
import { kinds } from '../pipelines/registry.js';
import { probe, queueTarget } from '../queue/connection.js';
import { runWorker } from '../queue/worker.js';
import type { WorkerArgs } from './args.js';
import type { Output } from './output.js';
import { refused, reloadProcessFiles } from './process-files.js';
import { openStore } from './state-store.js';
import { checkLogDir, reportLostLines } from './log-dir.js';

// `main worker --queue URL`: exit 0 after a clean stop (SIGTERM/SIGINT), 2 when its process files are invalid.
export async function workerCommand(args: WorkerArgs, io: Output): Promise<number> {
  const config = await loadConfig(args.config, kinds());
  if (refused(config, args.config, io, 'Not taking jobs')) return 2;
  checkLogDir(args.logDir);
  const target = queueTarget(args.queue);
  try {
    // A worker that cannot reach its queue at start is misconfigured; later outages are waited out.
    await probe(target);
  } catch (error) {
    io.err(`main: ${(error as Error).message}. Not taking jobs.`);
    return 1;
  }
  const redactor = new Redactor();
  redactor.add(config.secrets);
  if (target.connection.password) redactor.add([target.connection.password]);
  const logging = createLogging({ level: args.verbose ? 'debug' : 'info', logDir: args.logDir, color: io.color, redactor });
  for (const w of config.warnings) logging.root.warn(formatProblem(w));
  const store = openStore(args.state, logging.root);
  const interruption = listenForInterruption((signal, forced) =>
    logging.root.warn(forced ? `${signal} again: killing the running jobs' processes now.` : `${signal} received: no new jobs; ${args.grace} s for those running, then they go back to the queue.`),
  );
  const processes = new Map(config.processes.map((p) => [p.name, p]));
  // SIGHUP reloads the process files (after a deployment), as for `main schedule`; an invalid set keeps the old.
  const onHup = () =>
    void reloadProcessFiles(args.config, logging.root, redactor, `the ${processes.size} process(es) loaded before stay`).then((next) => {
      if (!next) return;
      processes.clear();
      for (const p of next) processes.set(p.name, p);
      logging.root.info(`Reloaded ${args.config}: ${processes.size} process(es).`);
    });
  process.on('SIGHUP', onHup);
  let clean = true;
  try {
    clean = await runWorker({
      target,
      concurrency: args.concurrency,
      configDir: args.config,
      processes,
      logging,
      redactor,
      store,
      stalledAfterMs: args.stalledAfter * 1000,
      graceMs: args.grace * 1000,
      stop: interruption.stop,
      force: interruption.force,
    });
  } finally {
    process.off('SIGHUP', onHup);
    interruption.dispose();
    store.close();
  }
  logging.root.info('Worker stopped.');
  await logging.close();
  reportLostLines(logging, io);
  // BullMQ's blocking connection keeps reconnecting to a Redis that is away, and cannot be closed before it
  // answers: it would keep this process alive after its work is done. Exit anyway, once the logs are out.
  if (!clean) setTimeout(() => process.exit(0), 500).unref();
  return 0;
}
