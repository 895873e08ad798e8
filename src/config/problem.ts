import { isScalar, type Node } from 'yaml';
import { isSecretPath } from '../lib/secrets.js';
import { maskUrl } from '../lib/url.js';

// A configuration problem, located in a file, in the words a user reads at 4 a.m.
export interface Problem {
  file: string;
  line?: number;
  col?: number;
  /** The process the problem belongs to, when there is one. */
  process?: string;
  message: string;
}

// What kind of problem it is, for a program reading `--validate-only --json`: a fixed list.
export const ProblemCode = {
  Files: 'E_FILES',
  Yaml: 'E_YAML',
  Duplicate: 'E_DUPLICATE',
  Variable: 'E_VARIABLE',
  UnknownKey: 'E_UNKNOWN_KEY',
  Schema: 'E_SCHEMA',
  Schedule: 'E_SCHEDULE',
  After: 'E_AFTER',
  Check: 'E_CHECK',
  Defaults: 'E_DEFAULTS',
} as const;
export type ProblemCodeValue = (typeof ProblemCode)[keyof typeof ProblemCode];

// The parts of a problem a program reads and a person does not need in the sentence: kept beside the problem
// (a WeakMap), so that a Problem stays the plain { file, line, col, process, message } it always was.
export interface ProblemDetail {
  /** Where in the process definition: `run.argv[0]`, `schedule`. */
  key?: string;
  /** The offending value when it is a scalar and not a secret. */
  value?: string | number | boolean | null;
  code?: ProblemCodeValue;
}

const details = new WeakMap<Problem, ProblemDetail>();

export function withDetail<T extends Problem>(problem: T, detail: ProblemDetail): T {
  details.set(problem, { ...details.get(problem), ...detail });
  return problem;
}

// Masks what a shown value may hold of a secret taken from a variable (`--password=${DB_PASS}` in argv).
export function redactDetail(problem: Problem, redact: (text: string) => string): void {
  const detail = details.get(problem);
  if (typeof detail?.value === 'string') detail.value = redact(detail.value);
}

export function detailOf(problem: Problem): ProblemDetail {
  return details.get(problem) ?? {};
}

// `source_server.url`, `run.argv[0]`.
export function formatKey(path: readonly (string | number)[]): string | undefined {
  let key = '';
  for (const segment of path) key += typeof segment === 'number' ? `[${segment}]` : key ? `.${segment}` : segment;
  return key || undefined;
}

// A scalar's value as a problem may show it: never under a secret-looking key, a URL's password masked.
export function shownValue(node: Node | undefined, path: readonly (string | number)[]): ProblemDetail['value'] {
  if (!isScalar(node) || isSecretPath(path)) return undefined;
  const value = node.value;
  if (typeof value === 'string') return maskUrl(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  return undefined;
}

// `config/a.yaml:12:5: process "nightly": expected …` (vector/connect style).
export function formatProblem(p: Problem): string {
  const where = p.line ? `${p.file}:${p.line}:${p.col ?? 1}` : p.file;
  const who = p.process ? `process "${p.process}": ` : '';
  return `${where}: ${who}${p.message}`;
}
