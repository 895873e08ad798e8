import { hostname } from 'node:os';
import { shownStatus } from '../orchestrator/summary.js';
import type { StateStore } from '../state/store.js';
import { UsageError } from './usage-error.js';

// A run as `main history` shows it: "abandoned" when it is still marked "running" but its `main` is gone from this
// host; "skipped" when none of its processes ran.
export function statusOf(run: { status: string; host: string; pid: number; processes: ReadonlyArray<{ status: string }> }): string {
  return shownStatus({ ...run, status: liveStatus(run) });
}

function liveStatus(run: { status: string; host: string; pid: number }): string {
  if (run.status !== 'running' || run.host !== hostname()) return run.status;
  try {
    process.kill(run.pid, 0);
    return 'running';
  } catch {
    return 'abandoned';
  }
}

// The run `id` names: a whole run id, or the start or the end of one (`…-3f2a`); none or several is a usage error.
export function resolveRunId(store: StateStore, id: string): string {
  const ids = store.runIdsMatching(id);
  if (ids.length === 1) return ids[0]!;
  if (!ids.length) throw new UsageError(`no run "${id}" in the state store ${store.path} (\`main history\` lists the runs)`);
  throw new UsageError(`"${id}" names ${ids.length === 20 ? 'at least 20' : ids.length} runs: ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}; give more of the run id`);
}
