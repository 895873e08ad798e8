import { processFileSchema } from '../config/schema.js';
import { describeError } from '../core/errors.js';
import { kinds } from '../pipelines/registry.js';
import { parseArgs, UsageError } from './args.js';
import { historyCommand } from './history-command.js';
import { processOutput, type Output } from './output.js';
import { runCommand } from './run-command.js';

// The whole program: argv in, exit code out (0 ok, 1 a process failed, 2 usage or configuration, 130/143 interrupted).
export async function main(argv: readonly string[], io: Output = processOutput): Promise<number> {
  try {
    const args = parseArgs(argv);
    switch (args.command) {
      case 'help':
        io.out(args.text);
        return 0;
      case 'schema':
        io.out(`${JSON.stringify(processFileSchema(kinds()), null, 2)}\n`);
        return 0;
      case 'history':
        return historyCommand(args, io);
      case 'schedule':
        return await (await import('./schedule-command.js')).scheduleCommand(args, io);
      // Every 30 s in a container: loads neither the process files nor the scheduler.
      case 'health':
        return (await import('./health-command.js')).healthCommand(args, io);
      case 'run':
        return await runCommand(args, io);
      // Loaded only when asked for: a plain `main` run does not load the transfer code.
      case 'logs-serve':
        return await (await import('./logs-command.js')).logsServeCommand(args, io);
      case 'worker':
        return await (await import('./worker-command.js')).workerCommand(args, io);
      case 'queue-status':
        return await (await import('./queue-command.js')).queueStatusCommand(args, io);
      case 'logs-send':
        return await (await import('./logs-command.js')).logsSendCommand(args, io);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`main: ${error.message}`);
      return 2;
    }
    // Anything else is a bug: one line says what (the stack with --verbose), never a bare stack trace.
    io.err(`main: unexpected error: ${describeError(error)}`);
    if (argv.includes('-v') || argv.includes('--verbose')) io.err(String((error as Error | undefined)?.stack ?? error));
    return 1;
  }
}
