import type { Logger } from 'winston';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { formatProblem } from '../config/problem.js';
import { createLogging, type Logging } from '../logging/logger.js';
import { Redactor } from '../logging/redact.js';
import { listenForInterruption, type Interruption } from '../orchestrator/interruption.js';
import { kinds } from '../pipelines/registry.js';
import type { QueueExecutor } from '../queue/producer.js';
import { QueueUnreachable } from '../queue/target.js';
import type { StateStore } from '../state/store.js';
import type { QueueArgs } from './args.js';
import { CommandExit } from './command-exit.js';
import { checkLogDir, reportLostLines } from './log-dir.js';
import type { Output } from './output.js';
import { refused } from './process-files.js';
import { openStore } from './state-store.js';

// What every command that runs processes reads from its command line.
export interface ContextArgs {
  config: string;
  state: string;
  logDir: string;
  verbose: boolean;
}

export interface ContextOptions {
  /** Said after the problems of invalid process files, and after an unreachable queue: "Nothing was run". */
  refusal: string;
  /** `--date`, for the kinds' checks. */
  date?: string;
  /** `--only`: only these processes (and those they run after) are validated and needed. */
  only?: string[];
  /** The command's own checks, once the process files are valid and before anything is opened (a usage error throws). */
  check?(config: LoadedConfig): void | Promise<void>;
  /** Secrets of the command itself (a token, the queue's password): masked like those of the process files. */
  secrets?: string[];
  /** Where console log lines go (a live display keeps them above its lines); stderr otherwise. */
  console?(redactor: Redactor): NodeJS.WritableStream | undefined;
  /** Print the lines each log file lost at the end (the commands that print no summary). */
  reportLostLines?: boolean;
}

// The parts a command works with; `close()` ends them in order, whatever happened.
export interface CommandContext {
  config: LoadedConfig;
  redactor: Redactor;
  logging: Logging;
  log: Logger;
  store: StateStore;
  /** SIGINT/SIGTERM stop the command (the same signal again forces it), each logged with these words. */
  listen(words: { stopping: string; killing: string }): Interruption;
  /** `--queue`: the executor that runs each process as a job (undefined without it). Unreachable: exit 1. */
  openQueue(args: QueueArgs, options?: { graceMs?: number }): Promise<QueueExecutor | undefined>;
  /** Close the queue, the signal listener and the store; log `lastWords`, then close the logs. */
  close(lastWords?: string): Promise<void>;
}

// load → refuse → the command's checks → redactor → logging → warnings → store: the start of run, schedule,
// worker and logs serve. Undefined when the process files have problems (printed): the command exits 2.
export async function openCommandContext(args: ContextArgs, io: Output, options: ContextOptions): Promise<CommandContext | undefined> {
  const config = await loadConfig(args.config, kinds(), { date: options.date, only: options.only });
  if (refused(config, args.config, io, options.refusal)) return undefined;
  checkLogDir(args.logDir);
  await options.check?.(config);
  const redactor = new Redactor();
  redactor.add([...config.secrets, ...(options.secrets ?? [])]);
  // A process's `logging.file` is read from the project folder, as its other paths are.
  const logging = createLogging({ level: args.verbose ? 'debug' : 'info', logDir: args.logDir, color: io.color, redactor, consoleStream: options.console?.(redactor), cwd: config.base });
  const log = logging.root;
  for (const w of config.warnings) log.warn(formatProblem(w));
  const store = openStore(args.state, log);
  let interruption: Interruption | undefined;
  let executor: QueueExecutor | undefined;
  return {
    config,
    redactor,
    logging,
    log,
    store,
    listen(words) {
      interruption = listenForInterruption((signal, forced) => log.warn(forced ? `${signal} again: ${words.killing}.` : `${signal} received: ${words.stopping}.`));
      return interruption;
    },
    async openQueue(queueArgs, queueOptions = {}) {
      if (!queueArgs.queue) return undefined;
      // Loaded only with --queue: BullMQ is most of what a command would load otherwise.
      const { openQueue } = await import('../queue/producer.js');
      try {
        executor = await openQueue(queueArgs, { redactor, log, ...queueOptions });
        return executor;
      } catch (error) {
        if (error instanceof QueueUnreachable) throw new CommandExit(1, `${error.message}. ${options.refusal}.`);
        throw error;
      }
    },
    async close(lastWords) {
      try {
        await executor?.close();
      } finally {
        interruption?.dispose();
        store.close();
        if (lastWords) log.info(lastWords);
        await logging.close();
        if (options.reportLostLines) reportLostLines(logging, io);
      }
    },
  };
}
