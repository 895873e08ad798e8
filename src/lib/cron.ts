import { Cron } from 'croner';

// Cron as Vixie cron reads it, through croner: when both the day of the month and the day of the week are
// restricted, a day matching either runs (`0 4 1-7 * 1`: the 1st to the 7th, and every Monday). node-cron, used
// before, required both; croner's default (`domAndDow: false`) is Vixie's. Seconds are an optional first field.

// The shortcuts of Vixie cron (@reboot aside: `main schedule` runs processes at times, not at its own start).
export const CRON_SHORTCUTS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  // 7 is Sunday too, as in Vixie cron.
  { name: 'day of week', min: 0, max: 7, names: DAYS },
];
const SECOND: Field = { name: 'second', min: 0, max: 59 };

// Why `expression` is not a schedule, in words ("minute 61 is out of range 0–59"); undefined when it is one.
export function cronProblem(expression: string): string | undefined {
  const text = expression.trim();
  if (text.startsWith('@')) {
    if (CRON_SHORTCUTS[text.toLowerCase()]) return undefined;
    if (text.toLowerCase() === '@reboot') return '@reboot is not supported: main schedule runs processes at times of day, not when it starts';
    return `unknown shortcut "${text}"; expected one of ${Object.keys(CRON_SHORTCUTS).join(', ')}`;
  }
  const parts = text.split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) return `expected 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first, got ${parts.length}`;
  const fields = parts.length === 6 ? [SECOND, ...FIELDS] : FIELDS;
  for (const [i, part] of parts.entries()) {
    const problem = fieldProblem(part, fields[i]!);
    if (problem) return problem;
  }
  // What the words above do not cover (croner's L, W, #), croner itself judges.
  try {
    compile(text);
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^CronPattern: /, '');
  }
}

function fieldProblem(part: string, field: Field): string | undefined {
  for (const item of part.split(',')) {
    if (item === '') return `${field.name} "${part}" has an empty item`;
    const m = /^([^/]+)(?:\/(.*))?$/.exec(item);
    if (!m) return `${field.name} "${item}" is not a value, a range or a step`;
    const [, base, step] = m as unknown as [string, string, string | undefined];
    if (step !== undefined) {
      if (!/^\d+$/.test(step)) return `${field.name} step "${step}" is not a number`;
      if (Number(step) < 1) return `${field.name} step ${step} must be at least 1`;
      if (base !== '*' && !base.includes('-')) return `${field.name} "${item}": a step needs a range or "*" before it ("*/${step}", or "${base}-${field.max}/${step}")`;
    }
    if (base === '*' || base === '?') continue;
    const ends = base.split('-');
    if (ends.length > 2) return `${field.name} "${base}" is not a range such as 1-5`;
    const values: number[] = [];
    for (const end of ends) {
      const value = valueOf(end, field);
      // Something else (croner's L, W, #): left to croner.
      if (value === undefined) return undefined;
      if (value < field.min || value > field.max) return `${field.name} ${end} is out of range ${field.min}–${field.max === 7 ? 6 : field.max}${field.max === 7 ? ' (or 7 for Sunday)' : ''}`;
      values.push(value);
    }
    if (values.length === 2 && values[0]! > values[1]!) return `${field.name} range ${base} runs backwards (write ${ends[0]}-${field.max},${field.min}-${ends[1]} to wrap round)`;
  }
  return undefined;
}

function valueOf(text: string, field: Field): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index === -1) return undefined;
  return field === FIELDS[3] ? index + 1 : index;
}

// A croner job that schedules nothing by itself: for matching instants and finding the next ones.
export function compile(expression: string, timezone?: string): Cron {
  const text = expression.trim();
  return new Cron(CRON_SHORTCUTS[text.toLowerCase()] ?? text, { timezone, mode: '5-or-6-parts', domAndDow: false, paused: true });
}

// Runs `run` at each time of `expression` in `timezone`, with the time it was due; stop() ends it.
export function scheduleCron(expression: string, timezone: string | undefined, run: (at: Date) => void): Cron {
  const text = expression.trim();
  return new Cron(CRON_SHORTCUTS[text.toLowerCase()] ?? text, { timezone, mode: '5-or-6-parts', domAndDow: false }, (self: Cron) => run(self.currentRun() ?? new Date()));
}

// The expression has a seconds field.
export function hasSeconds(expression: string): boolean {
  return expression.trim().split(/\s+/).length === 6;
}
