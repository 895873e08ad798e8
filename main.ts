#!/usr/bin/env node
// Thin entry: parse argv, run, set the exit code. Everything else lives in src/.
import { main } from './src/cli/app.js';
import { describeError } from './src/core/errors.js';

// A fault of ours that escaped every handler (an error event nobody listened to): said in one line, not as Node's
// stack trace, and the program ends with 1 (the run did not succeed). Its children see it go and stop; the store
// shows the run abandoned, and the next run goes ahead.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => {
    process.stderr.write(`main: internal error, stopping: ${describeError(error)}\n`);
    process.exit(1);
  });
}

process.exitCode = await main(process.argv.slice(2));
