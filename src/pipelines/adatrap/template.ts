import { formatDay } from './keys.js';

// Templates: the parameter file, `parameters.values`, the program's command and where inputs land.
// `{name}` is a value; `{name:YYYYMMDD}` lays out a value that is a day. Names: `date`, `executable`,
// `parameters`, `work_dir`, each input's name (where it landed) with `.key`, `.date`, `.from`, `.to`, and the
// keys of `parameters.values`.
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_]+)?)(?::([^{}\n]*))?\}/g;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export type Values = ReadonlyMap<string, string>;

export interface Unreplaced {
  placeholder: string;
  line: number;
  why: string;
}

export interface Rendered {
  text: string;
  unreplaced: Unreplaced[];
}

// `comment`: the mark after which a line is a comment (ADATRAP's .par: `value   * what it is`). A placeholder no
// value names is left there as it is, not an error: comments say "{YYYYMMDD}" to people. Known ones are replaced.
export function render(template: string, values: Values, options: { comment?: string } = {}): Rendered {
  const unreplaced: Unreplaced[] = [];
  const text = template.replace(PLACEHOLDER, (whole, name: string, layout: string | undefined, offset: number) => {
    const value = values.get(name);
    const line = lineAt(template, offset);
    if (value === undefined) {
      if (options.comment !== undefined && inComment(template, offset, options.comment)) return whole;
      unreplaced.push({ placeholder: whole, line, why: `no value is named "${name}"` });
      return whole;
    }
    if (layout === undefined) return value;
    if (!DAY.test(value) || !/YYYY/.test(layout)) {
      unreplaced.push({ placeholder: whole, line, why: DAY.test(value) ? `"${layout}" is not a day layout (YYYY, MM, DD)` : `"${name}" is "${value}", not a day` });
      return whole;
    }
    return formatDay(value, layout);
  });
  return { text, unreplaced };
}

// The names a template uses, for checks made before anything is downloaded.
export function placeholderNames(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

// One string, every placeholder replaced, or an error naming the first that is not.
export function renderOrThrow(template: string, values: Values, what: string): string {
  const { text, unreplaced } = render(template, values);
  if (unreplaced.length > 0) throw new TemplateError(`${what}: ${unreplaced.map((u) => `${u.placeholder}: ${u.why}`).join('; ')}`);
  return text;
}

export class TemplateError extends Error {}

function inComment(text: string, offset: number, mark: string): boolean {
  const markAt = text.indexOf(mark, text.lastIndexOf('\n', offset - 1) + 1);
  return markAt !== -1 && markAt < offset;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
