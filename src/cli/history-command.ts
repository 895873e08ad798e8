import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { StateStore, type RunRecord } from '../state/store.js';
import { StoreUnusableError } from '../state/store-error.js';
import type { HistoryArgs } from './args.js';
import type { Output } from './output.js';
import { unusable } from './state-store.js';
import { renderTable, seconds } from './table.js';

// `main history`: the last runs, newest first, with the processes that did not succeed. A store that cannot be
// read (damaged, not a store) is said so, with what to do, and exits 1.
export function historyCommand(args: HistoryArgs, io: Output): number {
  if (!existsSync(args.state)) {
    io.out(args.json ? '[]\n' : `No runs recorded yet in ${args.state}.\n`);
    return 0;
  }
  let runs: RunRecord[];
  try {
    runs = readRuns(args.state, args.limit);
  } catch (error) {
    if (!(error instanceof StoreUnusableError)) throw error;
    io.err(`main: ${unusable(error)}`);
    return 1;
  }
  if (args.json) {
    io.out(`${JSON.stringify(runs, null, 2)}\n`);
    return 0;
  }
  const rows = runs.map((r) => [r.runId, r.status.toUpperCase(), r.finishedAt ? seconds(Date.parse(r.finishedAt) - Date.parse(r.startedAt)) : '-', counts(r)]);
  const lines = renderTable(['RUN', 'STATUS', 'DURATION', 'PROCESSES'], rows).split('\n');
  const out = [lines[0]!];
  runs.forEach((r, i) => {
    out.push(lines[i + 1]!);
    for (const p of r.processes.filter((p) => p.status !== 'success' && p.status !== 'skipped')) out.push(`    ${p.name} (${p.type}) ${p.status}: ${p.error ?? ''}`);
  });
  io.out(`${out.join('\n')}\n`);
  return 0;
}

function readRuns(path: string, limit: number): RunRecord[] {
  const store = new StateStore(path);
  try {
    return store.history(limit).map((r) => ({ ...r, status: liveStatus(r) }));
  } finally {
    store.close();
  }
}

// A run still marked "running" whose `main` is gone from this host died without finishing it.
function liveStatus(run: RunRecord): string {
  if (run.status !== 'running' || run.host !== hostname()) return run.status;
  try {
    process.kill(run.pid, 0);
    return 'running';
  } catch {
    return 'abandoned';
  }
}

function counts(run: RunRecord): string {
  const by = new Map<string, number>();
  for (const p of run.processes) by.set(p.status, (by.get(p.status) ?? 0) + 1);
  return [...by].map(([s, n]) => `${n} ${s}`).join(', ') || '-';
}
