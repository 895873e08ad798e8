// Key patterns: a key with the day in it. `{date}` is YYYY-MM-DD, `{date:YYYYMMDD}` any layout of YYYY, MM and
// DD with separators; `{from…}` and `{to…}` are the two ends of the days a key covers (range_covering).
// One pattern renders the day's key (exact) and, as a regular expression, reads the days out of listed keys.

export type DateSlot = 'date' | 'from' | 'to';

interface Token {
  slot: DateSlot;
  layout: string;
}
type Part = string | Token;

const TOKEN = /\{(date|from|to)(?::([^{}]*))?\}/g;
const LAYOUT = /^(?:YYYY|MM|DD|[^A-Za-z0-9{}])+$/;

export class KeyPatternError extends Error {}

export function parseKeyPattern(pattern: string): Part[] {
  const parts: Part[] = [];
  let at = 0;
  for (const m of pattern.matchAll(TOKEN)) {
    if (m.index > at) parts.push(pattern.slice(at, m.index));
    const layout = m[2] ?? 'YYYY-MM-DD';
    if (!LAYOUT.test(layout) || !layout.includes('YYYY') || !layout.includes('MM') || !layout.includes('DD')) {
      throw new KeyPatternError(`"{${m[1]}:${layout}}" is not a day layout: write it with YYYY, MM and DD, e.g. {${m[1]}:YYYYMMDD}`);
    }
    parts.push({ slot: m[1] as DateSlot, layout });
    at = m.index + m[0].length;
  }
  if (at < pattern.length) parts.push(pattern.slice(at));
  const stray = parts.find((p) => typeof p === 'string' && /[{}]/.test(p));
  if (stray !== undefined) throw new KeyPatternError(`"${pattern}" has a brace that is not a {date}, {from} or {to} placeholder`);
  return parts;
}

export const slotsOf = (parts: Part[]): Set<DateSlot> => new Set(parts.filter((p): p is Token => typeof p !== 'string').map((p) => p.slot));

export function formatDay(day: string, layout: string): string {
  return layout.replace('YYYY', day.slice(0, 4)).replace('MM', day.slice(5, 7)).replace('DD', day.slice(8, 10));
}

// The key for a day: every slot filled with it.
export function renderKey(parts: Part[], day: string): string {
  return parts.map((p) => (typeof p === 'string' ? p : formatDay(day, p.layout))).join('');
}

// The text before the first placeholder: the prefix a listing can ask for.
export const literalPrefix = (parts: Part[]): string => (typeof parts[0] === 'string' ? parts[0] : '');

export interface KeyDays {
  date?: string;
  from?: string;
  to?: string;
}

// The days a key names, or undefined when it does not match the pattern (or names a day that does not exist).
export function readKey(parts: Part[], key: string): KeyDays | undefined {
  const tokens: Token[] = [];
  const source = parts.map((p) => {
    if (typeof p === 'string') return p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    tokens.push(p);
    return `(${p.layout.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('YYYY', '\\d{4}').replace('MM', '\\d{2}').replace('DD', '\\d{2}')})`;
  });
  const m = new RegExp(`^${source.join('')}$`).exec(key);
  if (!m) return undefined;
  const days: KeyDays = {};
  for (let i = 0; i < tokens.length; i++) {
    const day = readDay(m[i + 1]!, tokens[i]!.layout);
    if (day === undefined) return undefined;
    const seen = days[tokens[i]!.slot];
    if (seen !== undefined && seen !== day) return undefined;
    days[tokens[i]!.slot] = day;
  }
  return days;
}

function readDay(text: string, layout: string): string | undefined {
  const at = (field: string, width: number) => text.slice(layout.indexOf(field), layout.indexOf(field) + width);
  const day = `${at('YYYY', 4)}-${at('MM', 2)}-${at('DD', 2)}`;
  const d = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== day ? undefined : day;
}
