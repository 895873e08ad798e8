import type { ErrorObject } from 'ajv';
import { DURATION_WORDS } from '../lib/duration.js';
import { isSecretPath } from '../lib/secrets.js';
import { maskUrl } from '../lib/url.js';

export interface SchemaIssue {
  /** Path inside the process definition. */
  path: Array<string | number>;
  message: string;
  /** Point at the key rather than the value (unknown keys). */
  atKey?: boolean;
  /** About the shape around a value (an unknown key, a missing one), not a value that is there: it casts no doubt
   *  on the values beside it, which are still checked. */
  structural?: boolean;
}

// Turn ajv's errors into sentences from a fixed vocabulary: expected X to be Y, got Z.
export function describeSchemaErrors(errors: readonly ErrorObject[]): SchemaIssue[] {
  // A oneOf/anyOf with an `x-expected` says it better than the errors of each branch.
  const summarised = errors.filter((e) => (e.keyword === 'oneOf' || e.keyword === 'anyOf') && expectedOf(e));
  const issues: SchemaIssue[] = [];
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    if (summarised.some((s) => s !== e && e.schemaPath.startsWith(s.schemaPath.replace(/\/(oneOf|anyOf)$/, '/$1/')))) continue;
    issues.push(describe(e));
  }
  return dedupe(issues);
}

function describe(e: ErrorObject): SchemaIssue {
  const path = pointerToPath(e.instancePath);
  const name = displayName(path);
  const got = shown(e.data, path);
  const p = e.params as Record<string, any>;
  const expected = expectedOf(e);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      const hint = closest(key, known);
      return {
        path: [...path, key],
        atKey: true,
        structural: true,
        message: `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}; expected one of: ${known.join(', ')}`,
      };
    }
    case 'required':
      return { path, structural: true, message: `missing required key "${p.missingProperty}"${path.length ? ` in ${name}` : ''}` };
    case 'enum':
      if (path.length === 1 && path[0] === 'type') {
        const kind = JSON.stringify(e.data);
        return { path, message: `unknown type ${kind}; expected one of: ${(p.allowedValues as unknown[]).join(', ')}` };
      }
      if (expected) return { path, message: `expected ${name} to be ${expected}, got ${got}` };
      return { path, message: `expected ${name} to be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${got}` };
    case 'const':
      return { path, message: `expected ${name} to be ${JSON.stringify(p.allowedValue)}, got ${got}` };
    case 'type':
      return { path, message: `expected ${name} to be ${expected ?? (isDuration(e) ? DURATION_WORDS : article(String(p.type)))}, got ${got}` };
    case 'x-duration': {
      const limit = p.maximum === undefined ? 'greater than 0' : `at most ${p.maximum}${typeof p.why === 'string' ? ` (${p.why})` : ''}`;
      return { path, message: `expected ${name} to be ${limit}, got ${got}${p.seconds === undefined ? '' : ` (${p.seconds} seconds)`}` };
    }
    case 'x-url': {
      const key = String(path[path.length - 1] ?? 'url');
      if (p.conflict) return { path, message: `"${key}" holds a ${p.conflict} that differs from "${p.conflict}"; write the ${p.conflict} in one place` };
      return { path, message: `expected ${name} to be ${p.expected ?? 'a URL'}, got ${JSON.stringify(p.shown)}${p.why ? ` (${p.why})` : ''}` };
    }
    case 'maximum': {
      const why = (e.parentSchema as Record<string, unknown> | undefined)?.['x-why'];
      return { path, message: `expected ${name} to be ${expected ?? `at most ${p.limit}${typeof why === 'string' ? ` (${why})` : ''}`}, got ${got}` };
    }
    case 'minimum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, message: `expected ${name} to be ${expected ?? `${bound(e.keyword)} ${p.limit}`}, got ${got}` };
    case 'minLength':
      return { path, message: `expected ${name} to be ${p.limit === 1 ? 'a non-empty string' : `at least ${p.limit} characters long`}, got ${got}` };
    case 'minItems':
      return { path, message: `expected ${name} to have at least ${p.limit} item${p.limit === 1 ? '' : 's'}, got ${got}` };
    case 'maxItems':
      return { path, message: `expected ${name} to have at most ${p.limit} items, got ${got}` };
    case 'pattern':
      return { path, message: `expected ${name} to be ${expected ?? (isDuration(e) ? DURATION_WORDS : `text matching /${p.pattern}/`)}, got ${got}` };
    default:
      return { path, message: `expected ${name} to be ${expected ?? `valid (${e.message})`}, got ${got}` };
  }
}

const isDuration = (e: ErrorObject) => (e.parentSchema as Record<string, unknown> | undefined)?.['x-duration'] === true;

function expectedOf(e: ErrorObject): string | undefined {
  const hint = (e.parentSchema as Record<string, unknown> | undefined)?.['x-expected'];
  return typeof hint === 'string' ? hint : undefined;
}

function pointerToPath(pointer: string): Array<string | number> {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

// `"page_size"`, `"argv[1]"`, or "the process" for the definition itself.
function displayName(path: Array<string | number>): string {
  if (path.length === 0) return 'the process definition';
  let name = '';
  for (const segment of path) name = typeof segment === 'number' ? `${name}[${segment}]` : segment;
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (typeof last === 'number' && typeof parent === 'string') name = `${parent}[${last}]`;
  return `"${name}"`;
}

// How a bad value is shown; a secret's value never is.
function shown(value: unknown, path: Array<string | number>): string {
  if (isSecretPath(path)) return 'a value that is not shown (secret)';
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  // A URL's password is masked before the value is cut: a cut could leave a piece the mask no longer finds.
  if (typeof value === 'string') {
    const masked = maskUrl(value);
    return JSON.stringify(masked.length > 80 ? `${masked.slice(0, 77)}...` : masked);
  }
  return String(value);
}

function article(type: string): string {
  const words: Record<string, string> = { object: 'a mapping', array: 'a list', integer: 'an integer', number: 'a number', string: 'a string', boolean: 'true or false', null: 'empty' };
  return type
    .split(',')
    .map((t) => words[t] ?? t)
    .join(' or ');
}

function bound(keyword: string): string {
  return { minimum: 'at least', maximum: 'at most', exclusiveMinimum: 'greater than', exclusiveMaximum: 'less than' }[keyword] ?? keyword;
}

// The known key (or name) within two edits of a misspelt one.
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

function dedupe(issues: SchemaIssue[]): SchemaIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path.join('/')}|${i.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}
