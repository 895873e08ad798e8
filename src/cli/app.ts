import { describeError } from '../core/errors.js';
import { CommandExit } from './command-exit.js';
import { processOutput, type Output } from './output.js';
import { UsageError } from './usage-error.js';
import { packageVersion } from './version.js';

// The whole program: argv in, exit code out (0 ok, 1 a process failed, 2 usage or configuration, 130/143 interrupted).
// Each command is imported when it is chosen: `--version` and `--help` load only the parser, `--validate-only` no
// orchestrator, and nothing but `--queue` and the queue commands loads BullMQ.
export async function main(argv: readonly string[], io: Output = processOutput): Promise<number> {
  try {
    // `main --version` alone (a script's or a container's probe) answers before the parser is loaded.
    if (argv.length === 1 && argv[0] === '--version') {
      io.out(`${packageVersion()}\n`);
      return 0;
    }
    const args = (await import('./args.js')).parseArgs(argv);
    switch (args.command) {
      case 'help':
        io.out(args.text);
        return 0;
      case 'schema': {
        const [{ processFileSchema }, { kinds }] = await Promise.all([import('../config/schema.js'), import('../pipelines/registry.js')]);
        io.out(`${JSON.stringify(processFileSchema(kinds()), null, 2)}\n`);
        return 0;
      }
      case 'history':
        return await (await import('./history-command.js')).historyCommand(args, io);
      case 'logs-of':
        return await (await import('./logs-of-command.js')).logsOfCommand(args, io);
      case 'next':
        return await (await import('./next-command.js')).nextCommand(args, io);
      case 'schedule':
        return await (await import('./schedule-command.js')).scheduleCommand(args, io);
      // Every 30 s in a container: loads neither the process files nor the scheduler.
      case 'health':
        return (await import('./health-command.js')).healthCommand(args, io);
      case 'run':
        if (args.validateOnly) return await (await import('./validate-command.js')).validateCommand(args, io);
        return await (await import('./run-command.js')).runCommand(args, io);
      case 'logs-serve':
        return await (await import('./logs-command.js')).logsServeCommand(args, io);
      case 'worker':
        return await (await import('./worker-command.js')).workerCommand(args, io);
      case 'queue-status':
        return await (await import('./queue-command.js')).queueStatusCommand(args, io);
      case 'queue-admin':
        return await (await import('./queue-admin-command.js')).queueAdminCommand(args, io);
      case 'logs-send':
        return await (await import('./logs-command.js')).logsSendCommand(args, io);
      case 'adatrap':
        return await (await import('./adatrap-command.js')).adatrapCommand(args, io);
      case 'restore':
        return await (await import('./restore-command.js')).restoreCommand(args, io);
      case 'check':
        return await (await import('./check-command.js')).checkCommand(args, io);
      case 'prune':
        return await (await import('./prune-command.js')).pruneCommand(args, io);
      case 'serve':
        return await (await import('./serve-command.js')).serveCommand(args, io);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`main: ${error.message}`);
      return 2;
    }
    if (error instanceof CommandExit) {
      io.err(`main: ${error.message}`);
      return error.exitCode;
    }
    // Anything else is a bug: one line says what (the stack with --verbose), never a bare stack trace.
    io.err(`main: unexpected error: ${describeError(error)}`);
    if (argv.includes('-v') || argv.includes('--verbose')) io.err(String((error as Error | undefined)?.stack ?? error));
    return 1;
  }
}
