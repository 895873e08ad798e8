import { isPair, isScalar, isSeq, visit, type Node, type Scalar } from 'yaml';
import { formatKey, ProblemCode, shownValue, withDetail, type Problem } from './problem.js';
import { SECRET_KEY } from '../lib/secrets.js';
import { positionOf, type YamlSource } from './yaml-source.js';

// `$$` is a literal `$`; `${NAME}`, `${NAME:-default}` (unset or empty) and `${NAME-default}` (unset only). A
// default may hold references itself (`${A:-${B:-x}}`), nested at most MAX_NESTING deep.
const INNER = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)(.*))?$/s;
export const MAX_NESTING = 8;

export type Env = Readonly<Record<string, string | undefined>>;

export interface Substitution {
  value: string;
  missing: string[];
  malformed: string[];
  /** Values taken from variables whose names look secret (DB_PASS, API_TOKEN …). */
  secrets: string[];
  /** Defaults nested deeper than MAX_NESTING. */
  tooDeep: boolean;
  /** The text is one reference and nothing else (`${T:-300}`). */
  whole: boolean;
}

// Replace variable references in one string; a default is expanded only when it is used.
export function substitute(text: string, env: Env): Substitution {
  const found = { missing: [] as string[], malformed: [] as string[], secrets: [] as string[], tooDeep: false };
  const value = expand(text, env, found, 1);
  return { value, ...found, whole: text.startsWith('${') && closing(text, 2) === text.length - 1 };
}

type Found = Omit<Substitution, 'value' | 'whole'>;

function expand(text: string, env: Env, found: Found, level: number): string {
  let out = '';
  let i = 0;
  for (;;) {
    const dollar = text.indexOf('$', i);
    if (dollar === -1) return out + text.slice(i);
    out += text.slice(i, dollar);
    const next = text[dollar + 1];
    if (next !== '{') {
      // `$$` is one `$`; a `$` before anything else is itself.
      out += '$';
      i = dollar + (next === '$' ? 2 : 1);
      continue;
    }
    const end = closing(text, dollar + 2);
    if (end === -1) {
      found.malformed.push(text.slice(dollar, dollar + 40));
      return out + text.slice(dollar);
    }
    i = end + 1;
    const m = INNER.exec(text.slice(dollar + 2, end));
    if (!m) {
      found.malformed.push(text.slice(dollar, i));
      out += text.slice(dollar, i);
      continue;
    }
    const [, name, op, fallback = ''] = m as unknown as [string, string, string | undefined, string | undefined];
    const set = env[name];
    let value = set ?? '';
    if ((op === ':-' && !set) || (op === '-' && set === undefined)) {
      if (level >= MAX_NESTING && fallback.includes('${')) found.tooDeep = true;
      else value = expand(fallback, env, found, level + 1);
    } else if (set === undefined) found.missing.push(name);
    if (SECRET_KEY.test(name) && value !== '') found.secrets.push(value);
    out += value;
  }
}

// Where the `}` is that closes a reference whose inside starts at `from` (-1: nowhere); a `${` inside opens one
// more, `$$` is skipped.
function closing(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '$' && (text[i + 1] === '$' || text[i + 1] === '{')) {
      if (text[i + 1] === '{') depth++;
      i++;
    } else if (c === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

// Interpolate every string value of a parsed file in place; report unset variables where they stand, and add
// each scalar that had a problem to `tainted` (what it holds now is no value the user wrote: validation says
// nothing more about it). A value from a secret-looking variable is a secret wherever it is used
// (`--password=${DB_PASS}` in argv).
// `keyed`: the file's top-level keys are process names, left out of a problem's `key` (not so in .defaults.yaml).
export function interpolateDocument(src: YamlSource, env: Env, processOf: (scalar: Scalar) => string | undefined, secrets: Set<string>, tainted = new Set<Node>(), keyed = true): Problem[] {
  const problems: Problem[] = [];
  visit(src.doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
      const original = node.value;
      const { value, missing, malformed, secrets: found, tooDeep, whole } = substitute(original, env);
      for (const secret of found) secrets.add(secret);
      const at = { file: src.file, ...positionOf(src, node), process: processOf(node) };
      const path = pathOf(ancestors, node).slice(keyed ? 1 : 0);
      const detail = { key: formatKey(path), value: shownValue(node, path), code: ProblemCode.Variable };
      const add = (message: string) => problems.push(withDetail({ ...at, message }, detail));
      for (const name of missing) add(`variable ${name} is not set (export it, or write \${${name}:-default})`);
      for (const ref of malformed) add(`expected a variable reference like \${NAME} or \${NAME:-default}, got "${ref}" (write $$ for a literal $)`);
      if (tooDeep) add(`expected variable defaults nested at most ${MAX_NESTING} deep (\${A:-\${B:-x}} is 2), got more`);
      if (missing.length || malformed.length || tooDeep) tainted.add(node);
      node.value = retype(node, whole, value);
    },
  });
  return problems;
}

// `timeout: ${T:-300}` written unquoted means the number 300, as it would had the value been typed in: the YAML
// 1.2 core schema's numbers and booleans, matched here rather than by parsing a YAML document per value.
function retype(node: Scalar, whole: boolean, value: string): unknown {
  if (node.type !== 'PLAIN' || !whole) return value;
  if (/^(?:true|True|TRUE)$/.test(value)) return true;
  if (/^(?:false|False|FALSE)$/.test(value)) return false;
  if (/^0o[0-7]+$/.test(value)) return parseInt(value.slice(2), 8);
  if (/^0x[0-9a-fA-F]+$/.test(value)) return parseInt(value.slice(2), 16);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(value)) return Number(value);
  if (/^[-+]?\.(?:inf|Inf|INF)$/.test(value)) return value.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(?:nan|NaN|NAN)$/.test(value)) return NaN;
  return value;
}

// The path of a scalar in its document, from the visitor's ancestors.
function pathOf(ancestors: readonly unknown[], node: unknown): Array<string | number> {
  const path: Array<string | number> = [];
  ancestors.forEach((a, i) => {
    if (isPair(a) && isScalar(a.key)) path.push(String(a.key.value));
    else if (isSeq(a)) path.push(a.items.indexOf((ancestors[i + 1] ?? node) as never));
  });
  return path;
}
