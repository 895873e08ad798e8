import { existsSync } from 'node:fs';
import type { ListedRun } from '../state/run-queries.js';
import { StateStore } from '../state/store.js';
import { StoreUnusableError } from '../state/store-error.js';
import { DEFAULT_LOG_DIR, type HistoryArgs } from './args.js';
import type { Output } from './output.js';
import { readRunLines } from './run-log.js';
import { resolveRunId, statusOf } from './run-lookup.js';
import { renderRun } from './run-view.js';
import { unusable } from './state-store.js';
import { renderTable, seconds } from './table.js';
import { UsageError } from './usage-error.js';

// A run's liveness is known only by looking at its `main`: these are read as "running" and told apart here.
const LIVE = new Set(['running', 'abandoned']);
const ALL = 1_000_000;

// `main history`: the last runs, newest first, with the processes that did not succeed (filtered by process, status
// and start); `main history RUN_ID`: one run whole, with its log lines. A store that cannot be read (damaged, not a
// store) is said so, with what to do, and exits 1.
export async function historyCommand(args: HistoryArgs, io: Output): Promise<number> {
  if (!existsSync(args.state)) {
    if (args.runId !== undefined) throw new UsageError(`no run "${args.runId}": the state store ${args.state} does not exist (no run has been recorded in it)`);
    io.out(args.json ? '[]\n' : `No runs recorded yet in ${args.state}.\n`);
    return 0;
  }
  let store: StateStore | undefined;
  try {
    store = new StateStore(args.state);
    if (args.runId !== undefined) return await showRun(store, args.runId, args, io);
    listRuns(store, args, io);
    return 0;
  } catch (error) {
    if (!(error instanceof StoreUnusableError)) throw error;
    io.err(`main: ${unusable(error)}`);
    return 1;
  } finally {
    store?.close();
  }
}

async function showRun(store: StateStore, id: string, args: HistoryArgs, io: Output): Promise<number> {
  const run = store.run(resolveRunId(store, id))!;
  const shown = { ...run, status: statusOf(run) };
  const logDir = args.logDir ?? DEFAULT_LOG_DIR;
  const log = await readRunLines(logDir, { runId: run.runId, ...(args.process === undefined ? {} : { process: args.process }) });
  if (args.json) io.out(`${JSON.stringify({ ...shown, log }, null, 2)}\n`);
  else io.out(renderRun(shown, log, logDir));
  return 0;
}

function listRuns(store: StateStore, args: HistoryArgs, io: Output): void {
  const live = !args.process && args.status !== undefined && LIVE.has(args.status);
  const filter = { process: args.process, since: args.since, status: live ? 'running' : args.status };
  const runs = store
    .runs(live ? ALL : args.limit, filter)
    .map((r) => ({ ...r, status: statusOf(r) }))
    .filter((r) => !live || r.status === args.status)
    .slice(0, args.limit);
  if (args.json) return void io.out(`${JSON.stringify(runs, null, 2)}\n`);
  if (!runs.length && (args.process ?? args.status ?? args.since) !== undefined) return void io.out('No runs match.\n');
  const rows = runs.map((r) => [r.runId, r.status.toUpperCase(), r.finishedAt ? seconds(Date.parse(r.finishedAt) - Date.parse(r.startedAt)) : '-', counts(r)]);
  const lines = renderTable(['RUN', 'STATUS', 'DURATION', 'PROCESSES'], rows).split('\n');
  const out = [lines[0]!];
  runs.forEach((r, i) => {
    out.push(lines[i + 1]!);
    for (const p of r.processes) {
      if (p.status !== 'success' && p.status !== 'skipped') out.push(`    ${p.name} (${p.type}) ${p.status}: ${p.error?.message ?? ''}`);
      // A run that did not run at all says why.
      else if (r.status === 'skipped') out.push(`    ${p.name} (${p.type}): ${p.error?.message ?? 'skipped'}`);
    }
  });
  io.out(`${out.join('\n')}\n`);
}

function counts(run: ListedRun): string {
  const by = new Map<string, number>();
  for (const p of run.processes) by.set(p.status, (by.get(p.status) ?? 0) + 1);
  return [...by].map(([s, n]) => `${n} ${s}`).join(', ') || '-';
}
