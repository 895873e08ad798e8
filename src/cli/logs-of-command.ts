import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JSON_LOG } from '../logging/logger.js';
import { StateStore } from '../state/store.js';
import { StoreUnusableError } from '../state/store-error.js';
import type { LogsOfArgs } from './args.js';
import type { Output } from './output.js';
import { formatEntry, logFiles, readLines, sizeOf, type LogEntry } from './run-log.js';
import { resolveRunId, statusOf } from './run-lookup.js';
import { unusable } from './state-store.js';
import { UsageError } from './usage-error.js';

const POLL_MS = 250;
// A run the store says has ended logs its last line ("Run … failed.") a moment later: waited for this long at most.
const LAST_LINE_MS = 5000;

// `main logs-of RUN_ID`: the run's lines of the JSON-lines log, as people read them or (--json) as written; with
// --follow, new ones as they come until the run has ended (its state in the store says so).
export async function logsOfCommand(args: LogsOfArgs, io: Output): Promise<number> {
  if (!existsSync(args.state)) throw new UsageError(`no run "${args.runId}": the state store ${args.state} does not exist (no run has been recorded in it)`);
  let store: StateStore | undefined;
  // `main logs-of … | head`: the reader has gone; stop as `tail` does, without a stack trace. Kept to the end: the
  // error comes after the last write.
  const readerGone = (error: NodeJS.ErrnoException) => void (error.code === 'EPIPE' && process.exit(0));
  process.stdout.on('error', readerGone);
  try {
    store = new StateStore(args.state);
    const runId = resolveRunId(store, args.runId);
    const print = (e: LogEntry) => {
      if (args.process === undefined || e.process === args.process) io.out(`${args.json ? JSON.stringify(e) : formatEntry(e)}\n`);
    };
    await (args.follow ? follow(store, runId, args.logDir, print) : printAll(runId, args.logDir, print));
    return 0;
  } catch (error) {
    if (!(error instanceof StoreUnusableError)) throw error;
    io.err(`main: ${unusable(error)}`);
    return 1;
  } finally {
    store?.close();
  }
}

async function printAll(runId: string, dir: string, print: (e: LogEntry) => void): Promise<void> {
  for (const file of logFiles(dir)) (await readLines(file, { runId })).entries.forEach(print);
}

// The lines so far, then those appended to the log (across a rotation) until the run has ended and its last line is
// written.
async function follow(store: StateStore, runId: string, dir: string, print: (e: LogEntry) => void): Promise<void> {
  const current = join(dir, JSON_LOG);
  const ends = new RegExp(`^Run ${runId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} (success|failed|interrupted)\\.$`);
  let lastSeen = false;
  const show = (entries: LogEntry[]) => {
    for (const e of entries) {
      print(e);
      if (typeof e.message === 'string' && ends.test(e.message)) lastSeen = true;
    }
  };
  for (const file of logFiles(dir).filter((f) => f !== current)) show((await readLines(file, { runId })).entries);
  let file = sizeOf(current);
  let at = 0;
  let endedAt: number | undefined;
  for (;;) {
    const now = sizeOf(current);
    // Rotated: the rest of the file followed is now the first of the old ones.
    if (file && now && now.ino !== file.ino) {
      const old = join(dir, JSON_LOG.replace(/\.jsonl$/, '1.jsonl'));
      if (sizeOf(old)?.ino === file.ino) show((await readLines(old, { runId }, at)).entries);
      at = 0;
    }
    file = now;
    if (now && now.size > at) {
      const read = await readLines(current, { runId }, at, now.size);
      at += read.consumed;
      show(read.entries);
    }
    if (lastSeen) return;
    const run = store.run(runId);
    const abandoned = run !== undefined && statusOf(run) === 'abandoned';
    if (!run?.finishedAt && !abandoned) {
      await sleep(POLL_MS);
      continue;
    }
    endedAt ??= Date.now();
    // An abandoned run writes nothing more: what was there has been read.
    if (abandoned || Date.now() - endedAt > LAST_LINE_MS) return;
    await sleep(POLL_MS);
  }
}
