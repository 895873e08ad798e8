import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../src/archive/local-store.js';
import { archiveId, listArchives, manifestHeader } from '../../src/archive/manifest.js';
import { applyPrune, planPrune } from '../../src/archive/prune.js';
import { decideRetention, isoWeek, subtractWithin, timeOfId, type ArchiveFacts } from '../../src/archive/retention.js';

const at = (iso: string) => new Date(iso);
const full = (iso: string): ArchiveFacts => ({ id: archiveId(at(iso)), createdAt: at(iso), complete: true, parent: null });
const incr = (iso: string, parent: ArchiveFacts): ArchiveFacts => ({ id: archiveId(at(iso)), createdAt: at(iso), complete: true, parent: parent.id });
const kept = (decisions: ReturnType<typeof decideRetention>) => decisions.filter((d) => d.keep).map((d) => d.createdAt.slice(0, 16));
const NOW = at('2026-12-10T12:00:00Z');

describe('decideRetention (restic forget semantics, UTC)', () => {
  // Full archives twice a day from Nov 20 to Dec 10.
  const days: ArchiveFacts[] = [];
  for (let d = new Date('2026-11-20T03:00:00Z'); d <= NOW; d = new Date(d.getTime() + 12 * 3_600_000)) days.push(full(d.toISOString()));

  it('keep_last keeps the N newest', () => {
    expect(kept(decideRetention(days, { keep_last: 3 }, NOW))).toEqual(['2026-12-10T03:00', '2026-12-09T15:00', '2026-12-09T03:00']);
  });

  it('keep_daily keeps the newest of each of the last N days that have one, and says which day', () => {
    const d = decideRetention(days, { keep_daily: 3 }, NOW);
    expect(kept(d)).toEqual(['2026-12-10T03:00', '2026-12-09T15:00', '2026-12-08T15:00']);
    expect(d.find((x) => x.keep && x.createdAt.startsWith('2026-12-09'))!.reasons).toEqual(['keep_daily 2026-12-09']);
    expect(d.find((x) => !x.keep)!.reasons).toEqual(['no rule keeps it']);
  });

  it('keep_weekly counts ISO weeks (Monday first) and keep_monthly months; an archive two rules keep names both', () => {
    const d = decideRetention(days, { keep_weekly: 2, keep_monthly: 2 }, NOW);
    // Dec 10 2026 is a Thursday: its week began Monday Dec 7; the week before's newest is Sunday Dec 6, 15:00.
    expect(kept(d)).toEqual(['2026-12-10T03:00', '2026-12-06T15:00', '2026-11-30T15:00']);
    expect(d[0]!.reasons).toEqual(['keep_weekly 2026-W50', 'keep_monthly 2026-12']);
    expect(d.find((x) => x.createdAt.startsWith('2026-11-30T15'))!.reasons).toEqual(['keep_monthly 2026-11']);
  });

  it('keep_within keeps every archive within the duration of the newest one (not of now)', () => {
    expect(kept(decideRetention(days, { keep_within: '1d' }, at('2027-06-01T00:00:00Z')))).toEqual(['2026-12-10T03:00', '2026-12-09T15:00', '2026-12-09T03:00']);
    expect(subtractWithin(at('2026-03-31T00:00:00Z'), '1m').toISOString()).toBe('2026-03-03T00:00:00.000Z');
    expect(subtractWithin(at('2026-12-10T12:00:00Z'), '1y2d3h').toISOString()).toBe('2025-12-08T09:00:00.000Z');
  });

  it('never deletes the newest complete archive, even when no rule would keep it', () => {
    const only = [full('2026-01-01T00:00:00Z')];
    const d = decideRetention(only, { keep_within: '1h' }, NOW);
    expect(d[0]!.keep).toBe(true);
    const none = decideRetention([full('2026-01-01T00:00:00Z'), full('2026-01-02T00:00:00Z')], { keep_daily: 1 }, NOW);
    expect(kept(none)).toEqual(['2026-01-02T00:00']);
  });

  it('keeps every parent a kept incremental archive needs, back to its full one, and says whose chain', () => {
    const f = full('2026-12-01T00:00:00Z');
    const i1 = incr('2026-12-02T00:00:00Z', f);
    const i2 = incr('2026-12-03T00:00:00Z', i1);
    const f2 = full('2026-11-01T00:00:00Z');
    const d = decideRetention([f2, f, i1, i2], { keep_last: 1 }, NOW);
    expect(kept(d)).toEqual(['2026-12-03T00:00', '2026-12-02T00:00', '2026-12-01T00:00']);
    expect(d.find((x) => x.id === f.id)!.reasons).toEqual([`parent of ${i2.id} (its chain needs it)`]);
    expect(d.find((x) => x.id === f2.id)!.keep).toBe(false);
  });

  it('deletes an incomplete archive only once it is older than the grace period', () => {
    const old: ArchiveFacts = { ...full('2026-12-08T00:00:00Z'), complete: false };
    const young: ArchiveFacts = { ...full('2026-12-10T06:00:00Z'), complete: false };
    const d = decideRetention([full('2026-12-01T00:00:00Z'), old, young], { keep_last: 5 }, NOW);
    expect(d.map((x) => [x.createdAt.slice(0, 10), x.keep])).toEqual([['2026-12-10', true], ['2026-12-08', false], ['2026-12-01', true]]);
    expect(d[0]!.reasons[0]).toMatch(/younger than 24 h/);
  });

  it('reads ISO weeks and archive names', () => {
    expect(isoWeek(at('2027-01-01T00:00:00Z'))).toBe('2026-W53');
    expect(isoWeek(at('2026-12-28T00:00:00Z'))).toBe('2026-W53');
    expect(isoWeek(at('2025-12-29T00:00:00Z'))).toBe('2026-W01');
    expect(timeOfId('20261201T040000.123Z')!.toISOString()).toBe('2026-12-01T04:00:00.123Z');
    expect(timeOfId('notes')).toBeUndefined();
  });
});

describe('planPrune and applyPrune on a folder of archives', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sat-prune-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('deletes what no rule keeps, manifest first, and leaves the kept, young incomplete and foreign folders', async () => {
    const store = new LocalStore(dir);
    const write = async (iso: string, parent: string | null, withManifest = true) => {
      const id = archiveId(at(iso));
      await store.put(`${id}/db/m/1.lp.zst`, Buffer.from('x'));
      if (withManifest) await store.put(`${id}/manifest.json`, Buffer.from(JSON.stringify({ ...manifestHeader, id, parent, created_at: at(iso).toISOString(), kind: 'scan' })));
      return id;
    };
    const oldFull = await write('2026-11-01T00:00:00Z', null);
    const f = await write('2026-12-08T00:00:00Z', null);
    const i = await write('2026-12-09T00:00:00Z', f);
    const stale = await write('2026-12-05T00:00:00Z', null, false);
    const writing = await write('2026-12-10T11:59:00Z', null, false);
    writeFileSync(join(dir, 'README'), 'not an archive');
    await store.put('notes/x.txt', Buffer.from('mine'));

    const plan = await planPrune(store, { keep_last: 1 }, NOW);
    const byId = Object.fromEntries(plan.decisions.map((d) => [d.id, d.keep]));
    expect(byId).toEqual({ [writing]: true, [i]: true, [f]: true, [stale]: false, [oldFull]: false, notes: true });
    expect(await applyPrune(store, plan)).toEqual({ deleted: 2, kept: 4, objects: 3 });
    const left = new Set<string>();
    for await (const o of store.list('')) left.add(o.key.split('/')[0]!);
    expect([...left].sort()).toEqual([f, i, writing, 'README', 'notes'].sort());
  });

  it('leaves an archive stopped mid-delete incomplete (never used), and the next prune finishes it', async () => {
    const store = new LocalStore(join(dir, 'stopped'));
    const put = async (iso: string) => {
      const id = archiveId(at(iso));
      await store.put(`${id}/db/m/1.lp.zst`, Buffer.from('x'));
      await store.put(`${id}/manifest.json`, Buffer.from(JSON.stringify({ ...manifestHeader, id, parent: null, created_at: iso })));
      return id;
    };
    const old = await put('2026-11-01T00:00:00.000Z');
    const newest = await put('2026-12-09T00:00:00.000Z');
    const plan = await planPrune(store, { keep_last: 1 }, NOW);
    // The process dies after the manifest went, before the objects did.
    const dying = Object.assign(Object.create(store) as LocalStore, { removePrefix: () => Promise.reject(new Error('killed')) });
    await expect(applyPrune(dying, plan)).rejects.toThrow('killed');
    expect(await listArchives(store)).toEqual({ complete: [newest], incomplete: [old] });
    await applyPrune(store, await planPrune(store, { keep_last: 1 }, NOW));
    expect(await listArchives(store)).toEqual({ complete: [newest], incomplete: [] });
  });
});
