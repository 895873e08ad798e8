import { parseAnyTime } from '../timestamps.js';
import type { Entry, LineFormat } from './entry.js';

// Named groups stored in their own column; any other group goes to the JSON column `fields`.
export const REGEX_COLUMNS = ['time', 'level', 'host', 'app', 'client', 'method', 'path', 'status', 'bytes', 'message'] as const;

// The named groups of a pattern, or why it is not usable.
export function groupsOf(pattern: string): { groups: string[] } | { error: string } {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch (error) {
    return { error: (error as Error).message.replace(/^Invalid regular expression: /, '') };
  }
  // An alternative that always matches lists every group, set or not.
  const groups = Object.keys(new RegExp(`${regex.source}|`).exec('')?.groups ?? {});
  if (groups.length === 0) return { error: 'it has no named group such as (?<message>.*)' };
  return { groups };
}

// A user's pattern with named groups; `time` is read as CLF, RFC 3339, "Nov 23 04:00:01" or epoch.
export function regexFormat(pattern: string, timeZone: string, now = Date.now()): LineFormat {
  const regex = new RegExp(pattern);
  const known = new Set<string>(REGEX_COLUMNS);
  const groups = (groupsOf(pattern) as { groups: string[] }).groups;
  const others = groups.filter((g) => !known.has(g));
  return {
    name: 'regex',
    family: 'regex',
    fields: groups,
    parse(line) {
      const m = regex.exec(line);
      if (!m) return 'does not match the pattern';
      const g = m.groups!;
      let time: number | null = null;
      if (g.time !== undefined) {
        const parsed = parseAnyTime(g.time, timeZone, now);
        if (parsed === undefined) return `invalid time "${g.time.slice(0, 60)}"`;
        time = parsed;
      }
      const integer = (name: string) => {
        const v = g[name];
        return v === undefined || !/^\d{1,15}$/.test(v) ? null : Number(v);
      };
      const entry: Entry = {
        time,
        level: g.level?.toLowerCase() ?? null,
        host: g.host ?? null,
        app: g.app ?? null,
        client: g.client ?? null,
        method: g.method ?? null,
        path: g.path ?? null,
        status: integer('status'),
        bytes: integer('bytes'),
        message: g.message ?? null,
      };
      if (others.length) entry.data = Object.fromEntries(others.filter((o) => g[o] !== undefined).map((o) => [o, g[o]]));
      return entry;
    },
  };
}
