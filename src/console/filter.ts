import { parseDuration } from '../lib/duration.js';
import { RUN_STATUSES, type RunFilter } from './store-reader.js';

export const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;

/** The filters as typed, for the form to show them again. */
export interface FilterQuery {
  process?: string;
  status?: string;
  since?: string;
  limit?: string;
}

// The runs list's query string (the page's form and /api/v1/runs alike) as a filter, or what is wrong with it.
// `since`: a day (YYYY-MM-DD, from its midnight in the server's zone), a time (ISO 8601), or a duration back from
// `now` ("24h", "7d").
export function parseRunFilter(q: FilterQuery, now = new Date()): { filter: RunFilter } | { error: string } {
  const filter: RunFilter = { limit: DEFAULT_LIMIT };
  if (q.process) filter.process = q.process;
  if (q.status) {
    if (!(RUN_STATUSES as readonly string[]).includes(q.status)) return { error: `expected status to be one of ${RUN_STATUSES.join(', ')}, got ${JSON.stringify(q.status)}` };
    filter.status = q.status;
  }
  if (q.since) {
    const since = sinceTime(q.since, now);
    if (since === undefined) return { error: `expected since to be a day (2026-11-20), a time (2026-11-20T04:00:00Z) or a duration back from now (24h, 7d), got ${JSON.stringify(q.since)}` };
    filter.since = since;
  }
  if (q.limit) {
    const n = Number(q.limit);
    if (!/^\d+$/.test(q.limit) || n < 1 || n > MAX_LIMIT) return { error: `expected limit to be a whole number from 1 to ${MAX_LIMIT}, got ${JSON.stringify(q.limit)}` };
    filter.limit = n;
  }
  return { filter };
}

function sinceTime(text: string, now: Date): string | undefined {
  const seconds = /^\d+(\.\d+)?$/.test(text) ? undefined : parseDuration(text);
  if (seconds !== undefined) return new Date(now.getTime() - seconds * 1000).toISOString();
  // A day alone is a local midnight (Date.parse reads "2026-11-20" as UTC, "2026-11-20T00:00" as local).
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00` : text);
  return /^\d{4}-\d{2}-\d{2}/.test(text) && !Number.isNaN(t) ? new Date(t).toISOString() : undefined;
}
