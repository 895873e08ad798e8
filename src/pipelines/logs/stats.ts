import { SEVERITIES, type Entry, type Family } from './formats/index.js';
import { TopK } from './top-k.js';

const ERROR_LEVELS = new Set(['error', 'err', 'fatal', 'critical', 'crit', 'alert', 'emerg', 'emergency', 'panic', 'severe']);
const ERROR_WORDS = /\b(?:error|errors|failed|failure|fatal|panic|critical)\b/i;
export const TOPS = ['path', 'client', 'user_agent', 'host', 'app'] as const;
type Top = (typeof TOPS)[number];

// What an error is, per family; the report states the rule.
export const ERROR_RULE: Record<Family, string> = {
  http: 'status 500 or above',
  syslog: 'severity err (3) or worse; lines without a priority count when their message says error, failed, fatal, panic or critical',
  json: 'level error, fatal, critical or worse (pino/bunyan 50 and above)',
  regex: 'level error, fatal, critical or worse, or a status of 500 or above',
};

export function isError(entry: Entry, family: Family): boolean {
  switch (family) {
    case 'http':
      return (entry.status ?? 0) >= 500;
    case 'syslog':
      return entry.severity === null || entry.severity === undefined ? ERROR_WORDS.test(entry.message ?? '') : entry.severity <= 3;
    default:
      return (entry.level !== null && entry.level !== undefined && ERROR_LEVELS.has(entry.level)) || (entry.status ?? 0) >= 500;
  }
}

// Counts over a set of entries (one file, or the whole run), mergeable.
export class Stats {
  entries = 0;
  errors = 0;
  bytes = 0;
  firstTime: number | null = null;
  lastTime: number | null = null;
  readonly statuses = new Map<string, number>();
  readonly severities = new Map<string, number>();
  /** Epoch hour → [entries, errors]. */
  readonly hours = new Map<number, [number, number]>();
  readonly tops = new Map<Top, TopK>();

  constructor(private readonly family: Family, private readonly capacity: number) {}

  add(entry: Entry): void {
    this.entries++;
    const error = isError(entry, this.family);
    if (error) this.errors++;
    if (entry.bytes) this.bytes += entry.bytes;
    if (entry.status !== null && entry.status !== undefined) bump(this.statuses, String(entry.status));
    if (this.family !== 'http') bump(this.severities, severityOf(entry));
    const t = entry.time;
    if (t !== null) {
      if (this.firstTime === null || t < this.firstTime) this.firstTime = t;
      if (this.lastTime === null || t > this.lastTime) this.lastTime = t;
      const hour = Math.floor(t / 3_600_000);
      const h = this.hours.get(hour);
      if (h) {
        h[0]++;
        if (error) h[1]++;
      } else this.hours.set(hour, [1, error ? 1 : 0]);
    }
    for (const top of TOPS) {
      let value = entry[top];
      if (value === null || value === undefined) continue;
      if (top === 'path') {
        const q = value.indexOf('?');
        if (q >= 0) value = value.slice(0, q);
      }
      let counter = this.tops.get(top);
      if (!counter) this.tops.set(top, (counter = new TopK(this.capacity)));
      counter.add(value);
    }
  }

  merge(other: Stats): void {
    this.entries += other.entries;
    this.errors += other.errors;
    this.bytes += other.bytes;
    if (other.firstTime !== null && (this.firstTime === null || other.firstTime < this.firstTime)) this.firstTime = other.firstTime;
    if (other.lastTime !== null && (this.lastTime === null || other.lastTime > this.lastTime)) this.lastTime = other.lastTime;
    for (const [k, n] of other.statuses) bump(this.statuses, k, n);
    for (const [k, n] of other.severities) bump(this.severities, k, n);
    for (const [hour, [n, e]] of other.hours) {
      const h = this.hours.get(hour);
      if (h) {
        h[0] += n;
        h[1] += e;
      } else this.hours.set(hour, [n, e]);
    }
    for (const [top, counter] of other.tops) {
      let mine = this.tops.get(top);
      if (!mine) this.tops.set(top, (mine = new TopK(this.capacity)));
      mine.merge(counter);
    }
  }

  // Plain JSON for the report.
  toJSON(top: number): StatsReport {
    const sorted = (m: Map<string, number>) => Object.fromEntries([...m].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    const hours = [...this.hours].sort((a, b) => a[0] - b[0]);
    return {
      entries: this.entries,
      errors: this.errors,
      errorRate: this.entries ? round(this.errors / this.entries) : 0,
      ...(this.family === 'http' || this.bytes ? { bytes: this.bytes } : {}),
      firstTime: iso(this.firstTime),
      lastTime: iso(this.lastTime),
      ...(this.statuses.size ? { statuses: sorted(this.statuses), statusClasses: statusClasses(this.statuses) } : {}),
      ...(this.severities.size ? { severities: sorted(this.severities) } : {}),
      perHour: hours.map(([hour, [entries, errors]]) => ({ hour: iso(hour * 3_600_000)!, entries, errors })),
      top: Object.fromEntries(
        [...this.tops].map(([name, counter]) => [name, { values: counter.top(top), distinct: counter.distinct, ...(counter.undercount ? { approximate: true, maxUndercount: counter.undercount } : {}) }]),
      ),
    };
  }
}

export interface StatsReport {
  entries: number;
  errors: number;
  errorRate: number;
  bytes?: number;
  firstTime: string | null;
  lastTime: string | null;
  statuses?: Record<string, number>;
  statusClasses?: Record<string, number>;
  severities?: Record<string, number>;
  perHour: Array<{ hour: string; entries: number; errors: number }>;
  top: Record<string, { values: Array<{ value: string; count: number }>; distinct: number; approximate?: boolean; maxUndercount?: number }>;
}

function severityOf(entry: Entry): string {
  if (entry.severity !== null && entry.severity !== undefined) return SEVERITIES[entry.severity]!;
  return entry.level ?? 'unknown';
}

function statusClasses(statuses: Map<string, number>): Record<string, number> {
  const classes: Record<string, number> = {};
  for (const [status, n] of statuses) classes[`${status[0]}xx`] = (classes[`${status[0]}xx`] ?? 0) + n;
  return classes;
}

const bump = (m: Map<string, number>, key: string, n = 1) => m.set(key, (m.get(key) ?? 0) + n);
const round = (x: number) => Math.round(x * 10000) / 10000;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
