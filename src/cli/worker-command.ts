import { probe } from '../queue/connection.js';
import { queueTarget } from '../queue/target.js';
import { runWorker } from '../queue/worker.js';
import type { WorkerArgs } from './args.js';
import { openCommandContext } from './command-context.js';
import { CommandExit } from './command-exit.js';
import type { Output } from './output.js';
import { reloadProcessFiles } from './process-files.js';

// `main worker --queue URL`: exit 0 after a clean stop (SIGTERM/SIGINT), 2 when its process files are invalid.
export async function workerCommand(args: WorkerArgs, io: Output): Promise<number> {
  const target = queueTarget(args.queue);
  const refusal = 'Not taking jobs';
  const ctx = await openCommandContext(args, io, {
    refusal,
    // A worker that cannot reach its queue at start is misconfigured; later outages are waited out.
    check: () =>
      probe(target).then(
        () => undefined,
        (error: Error) => {
          throw new CommandExit(1, `${error.message}. ${refusal}.`);
        },
      ),
    secrets: target.connection.password ? [target.connection.password] : [],
    reportLostLines: true,
  });
  if (!ctx) return 2;
  const { config, log, logging, redactor, store } = ctx;
  const interruption = ctx.listen({ stopping: `no new jobs; ${args.grace} s for those running, then they go back to the queue`, killing: "killing the running jobs' processes now" });
  const processes = new Map(config.processes.map((p) => [p.name, p]));
  // SIGHUP reloads the process files (after a deployment), as for `main schedule`; an invalid set keeps the old.
  const onHup = () =>
    void reloadProcessFiles(args.config, log, redactor, `the ${processes.size} process(es) loaded before stay`).then((next) => {
      if (!next) return;
      processes.clear();
      for (const p of next) processes.set(p.name, p);
      log.info(`Reloaded ${args.config}: ${processes.size} process(es).`);
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
    await ctx.close('Worker stopped.');
  }
  // BullMQ's blocking connection keeps reconnecting to a Redis that is away, and cannot be closed before it
  // answers: it would keep this process alive after its work is done. Exit anyway, once the logs are out.
  if (!clean) setTimeout(() => process.exit(0), 500).unref();
  return 0;
}
