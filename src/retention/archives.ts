import { openStore } from '../archive/open-store.js';
import { applyPrune, planPrune, type PruneDone, type PrunePlan } from '../archive/prune.js';
import type { RetentionRules } from '../archive/retention.js';
import { describeError } from '../core/errors.js';
import type { ProcessSpec } from '../core/process.js';
import { archivePlacesOf } from '../archive/places.js';

export interface ProcessPrune {
  process: string;
  plan: PrunePlan;
  done?: PruneDone;
}

// The process's retention applied to each of its archive places (or only planned, `dryRun`), local folders read
// from the project folder `base`; none when it has no retention rules or no archive place.
export async function pruneArchives(spec: ProcessSpec, dryRun: boolean, base: string, now = new Date()): Promise<ProcessPrune[]> {
  const rules = spec.config.retention as RetentionRules | undefined;
  if (!rules) return [];
  const pruned: ProcessPrune[] = [];
  for (const place of archivePlacesOf(spec.config, base)) {
    const store = openStore(place);
    try {
      const plan = await planPrune(store, rules, now);
      pruned.push({ process: spec.name, plan, ...(dryRun ? {} : { done: await applyPrune(store, plan) }) });
    } finally {
      store.close();
    }
  }
  return pruned;
}

/** What a run's result says of the retention applied after it (the summary JSON's `retention`). */
export interface RetentionOutcome {
  deleted: number;
  kept: number;
  error?: string;
}

// After a successful run: the archives no rule keeps go. A failure here is logged and said in the result; it never
// fails the run, whose archive is written and complete.
export async function pruneAfterRun(spec: ProcessSpec, base: string, log: { info(m: string): void; warn(m: string): void }): Promise<RetentionOutcome | undefined> {
  try {
    const pruned = await pruneArchives(spec, false, base);
    if (!pruned.length) return undefined;
    for (const p of pruned) {
      const gone = p.plan.decisions.filter((d) => !d.keep).map((d) => d.id);
      log.info(`Retention: ${p.done!.deleted} archive(s) deleted from ${p.plan.where}${gone.length ? ` (${gone.slice(0, 5).join(', ')}${gone.length > 5 ? ', …' : ''})` : ''}, ${p.done!.kept} kept.`);
    }
    return { deleted: pruned.reduce((n, p) => n + p.done!.deleted, 0), kept: pruned.reduce((n, p) => n + p.done!.kept, 0) };
  } catch (error) {
    const message = `retention could not prune the archives: ${describeError(error)}`;
    log.warn(`Retention: ${message}. The run's own archive is complete; \`main prune\` tries again.`);
    return { deleted: 0, kept: 0, error: message };
  }
}
