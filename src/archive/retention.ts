import type { JsonSchema } from '../core/pipeline.js';

// Which archives to keep, in restic's words (`restic forget --keep-*`). Pure: archives in, a decision for each out,
// with the rules that keep it. Days, weeks (ISO 8601, Monday first) and months are counted in UTC.
export interface RetentionRules {
  keep_last?: number;
  keep_daily?: number;
  keep_weekly?: number;
  keep_monthly?: number;
  /** A duration back from the newest complete archive, restic's way: "30d", "1y6m", "12h". */
  keep_within?: string;
}

const count = (what: string): JsonSchema => ({ type: 'integer', minimum: 1, description: `Keep the newest archive of each of the last N ${what} that have one.` });
export const WITHIN_PATTERN = '^(?=\\d)(\\d+y)?(\\d+m)?(\\d+d)?(\\d+h)?$';

export const retentionSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  description: 'Which archives in the process\'s archive place to keep after each successful run and with `main prune` (restic\'s `forget` rules; an archive any rule keeps is kept; days, weeks and months in UTC). The newest complete archive and every archive a kept incremental one needs are always kept.',
  properties: {
    keep_last: { type: 'integer', minimum: 1, description: 'Keep the N newest archives.' },
    keep_daily: count('days'),
    keep_weekly: count('weeks (ISO weeks, Monday first)'),
    keep_monthly: count('months'),
    keep_within: { type: 'string', pattern: WITHIN_PATTERN, 'x-expected': 'a duration such as "30d", "1y6m" or "12h" (y, m for months, d, h)', description: 'Keep every archive made within this long before the newest one: "30d", "1y6m", "12h" (y, m for months, d, h).' },
  },
};

/** What the decision needs of one archive. `createdAt` of an incomplete one is its name's time. */
export interface ArchiveFacts {
  id: string;
  createdAt: Date;
  complete: boolean;
  /** The archive an incremental one needs (null for a full one). */
  parent: string | null;
}

export interface Decision {
  id: string;
  complete: boolean;
  createdAt: string;
  keep: boolean;
  /** Why: the rules that keep it ("keep_daily 2026-12-01"), or why it goes. */
  reasons: string[];
}

/** An incomplete archive younger than this may still be being written: it is never deleted. */
export const INCOMPLETE_GRACE_MS = 86_400_000;

// Newest first, as restic: each bucket rule walks the complete archives and keeps the first (newest) one of each
// bucket it has not seen, until it has kept N. Afterwards: at least the newest complete archive, and every parent
// a kept incremental archive needs, back to its full one.
export function decideRetention(archives: readonly ArchiveFacts[], rules: RetentionRules, now: Date, graceMs = INCOMPLETE_GRACE_MS): Decision[] {
  const newestFirst = [...archives].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id.localeCompare(a.id));
  const reasons = new Map<string, string[]>(newestFirst.map((a) => [a.id, []]));
  const keepFor = (a: ArchiveFacts, why: string) => reasons.get(a.id)!.push(why);
  const complete = newestFirst.filter((a) => a.complete);

  if (rules.keep_last !== undefined) complete.slice(0, rules.keep_last).forEach((a, i) => keepFor(a, `keep_last (${i + 1} of ${rules.keep_last})`));
  const buckets: Array<[keyof RetentionRules, (d: Date) => string]> = [
    ['keep_daily', (d) => d.toISOString().slice(0, 10)],
    ['keep_weekly', isoWeek],
    ['keep_monthly', (d) => d.toISOString().slice(0, 7)],
  ];
  for (const [rule, bucketOf] of buckets) {
    const n = rules[rule] as number | undefined;
    if (n === undefined) continue;
    const seen = new Set<string>();
    for (const a of complete) {
      if (seen.size >= n) break;
      const bucket = bucketOf(a.createdAt);
      if (seen.has(bucket)) continue;
      seen.add(bucket);
      keepFor(a, `${rule} ${bucket}`);
    }
  }
  if (rules.keep_within !== undefined && complete.length) {
    const since = subtractWithin(complete[0]!.createdAt, rules.keep_within);
    for (const a of complete) if (a.createdAt.getTime() >= since.getTime()) keepFor(a, `keep_within ${rules.keep_within}`);
  }
  const newest = complete[0];
  if (newest && reasons.get(newest.id)!.length === 0) keepFor(newest, 'the newest complete archive (always kept)');

  // A kept incremental archive needs each archive back to its full one; a parent that is not here is not asked for.
  const byId = new Map(newestFirst.map((a) => [a.id, a]));
  for (const a of complete) {
    if (!reasons.get(a.id)!.some((r) => !r.startsWith('parent of'))) continue;
    for (let p = a.parent, seen = new Set<string>(); p !== null && byId.has(p) && !seen.has(p); p = byId.get(p)!.parent) {
      seen.add(p);
      keepFor(byId.get(p)!, `parent of ${a.id} (its chain needs it)`);
    }
  }

  return newestFirst.map((a) => {
    const why = reasons.get(a.id)!;
    const base = { id: a.id, complete: a.complete, createdAt: a.createdAt.toISOString() };
    if (!a.complete) {
      const young = now.getTime() - a.createdAt.getTime() < graceMs;
      return { ...base, keep: young, reasons: [young ? `incomplete, younger than ${graceMs / 3_600_000} h: it may still be being written` : `incomplete (no manifest.json), older than ${graceMs / 3_600_000} h`] };
    }
    return why.length ? { ...base, keep: true, reasons: why } : { ...base, keep: false, reasons: ['no rule keeps it'] };
  });
}

// 2026-W49: the ISO 8601 week-numbering year and week (Monday first; week 1 holds the year's first Thursday).
export function isoWeek(d: Date): string {
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

// The moment `within` before `from`, calendar months and years as restic counts them (in UTC).
export function subtractWithin(from: Date, within: string): Date {
  const m = new RegExp(WITHIN_PATTERN).exec(within);
  if (!m) throw new Error(`expected a duration such as "30d", "1y6m" or "12h", got "${within}"`);
  const [y, mo, d, h] = m.slice(1).map((part) => (part ? parseInt(part, 10) : 0));
  const t = new Date(from);
  t.setUTCFullYear(t.getUTCFullYear() - y!, t.getUTCMonth() - mo!, t.getUTCDate() - d!);
  t.setUTCHours(t.getUTCHours() - h!);
  return t;
}

// An archive's time from its folder name (20261201T040000.123Z), or undefined when the name is not one.
export function timeOfId(id: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(id);
  if (!m) return undefined;
  const t = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}Z`);
  return Number.isNaN(t) ? undefined : new Date(t);
}
