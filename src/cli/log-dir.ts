import { join } from 'node:path';
import { unwritable } from '../config/common-checks.js';
import { JSON_LOG, type Logging } from '../logging/logger.js';
import { UsageError } from './args.js';
import type { Output } from './output.js';

// --log-dir must take the JSON log (a folder that is, or can be made, and written in): checked before anything
// runs, as a process's `logging.file` is by the kind checks, so that no log fails for a reason known at start.
export function checkLogDir(dir: string): void {
  const problem = unwritable(join(dir, JSON_LOG));
  if (problem) throw new UsageError(`cannot write the log in --log-dir "${dir}": ${problem}`);
}

// For the commands that print no summary (schedule, worker, logs serve): the lines each log file lost, at exit.
export function reportLostLines(logging: Pick<Logging, 'losses'>, io: Output): void {
  for (const f of logging.losses()) io.err(`main: ${f.linesLost} log line(s) were not written to ${f.file} (${f.error}).`);
}
