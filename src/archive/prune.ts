import { describeError } from '../core/errors.js';
import { ArchiveUnusable, listArchives, MANIFEST, readManifest } from './manifest.js';
import { decideRetention, INCOMPLETE_GRACE_MS, timeOfId, type ArchiveFacts, type Decision, type RetentionRules } from './retention.js';
import type { ArchiveStore } from './store.js';

export interface PrunePlan {
  where: string;
  decisions: Decision[];
}

export interface PruneDone {
  /** Archives deleted (complete and incomplete). */
  deleted: number;
  kept: number;
  /** Objects deleted, manifests included. */
  objects: number;
}

// What retention would do to the archives in `store`, read from their manifests (any kind's: only id, parent and
// created_at are read). A folder whose name is not an archive's time, or whose manifest cannot be read, is left alone.
export async function planPrune(store: ArchiveStore, rules: RetentionRules, now = new Date(), graceMs = INCOMPLETE_GRACE_MS): Promise<PrunePlan> {
  const { complete, incomplete } = await listArchives(store);
  const facts: ArchiveFacts[] = [];
  const untouchable: Decision[] = [];
  for (const id of complete) {
    try {
      const m = await readManifest(store, id);
      const createdAt = new Date(m.created_at);
      if (Number.isNaN(createdAt.getTime())) throw new ArchiveUnusable(`its created_at "${m.created_at}" is not a time`);
      facts.push({ id, createdAt, complete: true, parent: m.parent ?? null });
    } catch (error) {
      if (!(error instanceof ArchiveUnusable)) throw error;
      untouchable.push({ id, complete: true, createdAt: '', keep: true, reasons: [`left alone: its manifest cannot be read (${describeError(error)})`] });
    }
  }
  for (const id of incomplete) {
    const createdAt = timeOfId(id);
    if (createdAt) facts.push({ id, createdAt, complete: false, parent: null });
    else untouchable.push({ id, complete: false, createdAt: '', keep: true, reasons: ['left alone: not an archive (its name is not a time)'] });
  }
  return { where: store.where, decisions: [...decideRetention(facts, rules, now, graceMs), ...untouchable] };
}

// Deletes what the plan does not keep. The manifest goes first: from then on the archive is incomplete and never
// used, so a prune stopped halfway leaves no archive that looks whole but is not; the next prune removes the rest.
export async function applyPrune(store: ArchiveStore, plan: PrunePlan): Promise<PruneDone> {
  let deleted = 0;
  let objects = 0;
  for (const d of plan.decisions) {
    if (d.keep) continue;
    if (d.complete) await store.remove(`${d.id}/${MANIFEST}`), objects++;
    objects += await store.removePrefix(`${d.id}/`);
    deleted++;
  }
  return { deleted, kept: plan.decisions.length - deleted, objects };
}
