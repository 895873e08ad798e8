import { parse as parseYamlScalar, visit, type Scalar } from 'yaml';
import type { Problem } from './problem.js';
import { SECRET_KEY } from './secrets.js';
import { positionOf, type YamlSource } from './yaml-source.js';

// `$$` is a literal `$`; `${NAME}`, `${NAME:-default}` (unset or empty) and `${NAME-default}` (unset only).
const REFERENCE = /\$\$|\$\{([^}]*)\}|\$\{/g;
const INNER = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)(.*))?$/s;

export type Env = Readonly<Record<string, string | undefined>>;

export interface Substitution {
  value: string;
  missing: string[];
  malformed: string[];
  /** Values taken from variables whose names look secret (DB_PASS, API_TOKEN …). */
  secrets: string[];
}

// Replace variable references in one string.
export function substitute(text: string, env: Env): Substitution {
  const missing: string[] = [];
  const malformed: string[] = [];
  const secrets: string[] = [];
  const value = text.replace(REFERENCE, (whole, inner: string | undefined) => {
    if (whole === '$$') return '$';
    const m = inner === undefined ? null : INNER.exec(inner);
    if (!m) {
      malformed.push(whole);
      return whole;
    }
    const [, name, op, fallback] = m as unknown as [string, string, string | undefined, string | undefined];
    const set = env[name];
    if (op === ':-' && (set === undefined || set === '')) return fallback ?? '';
    if (op === '-' && set === undefined) return fallback ?? '';
    if (set === undefined) {
      missing.push(name);
      return '';
    }
    if (SECRET_KEY.test(name) && set !== '') secrets.push(set);
    return set;
  });
  return { value, missing, malformed, secrets };
}

// Interpolate every string value of a parsed file in place; report unset variables where they stand.
// A value from a secret-looking variable is a secret wherever it is used (`--password=${DB_PASS}` in argv).
export function interpolateDocument(src: YamlSource, env: Env, processOf: (scalar: Scalar) => string | undefined, secrets: Set<string>): Problem[] {
  const problems: Problem[] = [];
  visit(src.doc, {
    Scalar(key, node) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
      const original = node.value;
      const { value, missing, malformed, secrets: found } = substitute(original, env);
      for (const secret of found) secrets.add(secret);
      const at = { file: src.file, ...positionOf(src, node), process: processOf(node) };
      for (const name of missing) {
        problems.push({ ...at, message: `variable ${name} is not set (export it, or write \${${name}:-default})` });
      }
      for (const ref of malformed) {
        problems.push({ ...at, message: `expected a variable reference like \${NAME} or \${NAME:-default}, got "${ref}" (write $$ for a literal $)` });
      }
      node.value = retype(node, original, value);
    },
  });
  return problems;
}

// `timeout: ${T:-300}` written unquoted means the number 300, as it would had the value been typed in.
function retype(node: Scalar, original: string, value: string): unknown {
  if (node.type !== 'PLAIN' || !/^\$\{[^}]*\}$/.test(original)) return value;
  try {
    const typed: unknown = parseYamlScalar(value);
    return typeof typed === 'number' || typeof typed === 'boolean' ? typed : value;
  } catch {
    return value;
  }
}
