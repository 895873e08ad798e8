import type { Entry } from './formats/index.js';
import { lookup } from './formats/jsonl.js';
import type { ExcludeRule } from './schema.js';

export interface Cleaner {
  /** The labels of the rules, in order, as the report counts them. */
  labels: string[];
  /** The index of the first rule that excludes the entry, or -1. */
  match(entry: Entry): number;
}

// The process's `exclude` rules as one function; values compare as text, so `equals: 200` matches status 200.
export function cleaner(rules: readonly ExcludeRule[]): Cleaner {
  const tests = rules.map((rule) => {
    if (rule.regex !== undefined) {
      const regex = new RegExp(rule.regex, rule.ignore_case ? 'i' : '');
      return (v: string) => regex.test(v);
    }
    const values = new Set((rule.in ?? [rule.equals!]).map((v) => (rule.ignore_case ? String(v).toLowerCase() : String(v))));
    return rule.ignore_case ? (v: string) => values.has(v.toLowerCase()) : (v: string) => values.has(v);
  });
  return {
    labels: rules.map(label),
    match(entry) {
      for (let i = 0; i < rules.length; i++) {
        const value = valueOf(entry, rules[i]!.field);
        if (value !== undefined && value !== null && tests[i]!(typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value))) return i;
      }
      return -1;
    },
  };
}

// A field of the entry; for jsonl and regex, a key (or dotted path) of its data.
export function valueOf(entry: Entry, field: string): unknown {
  if (field in entry && field !== 'data') return entry[field as keyof Entry];
  return entry.data ? lookup(entry.data, field) : undefined;
}

function label(rule: ExcludeRule): string {
  if (rule.name) return rule.name;
  const what = rule.regex !== undefined ? `~ /${rule.regex}/${rule.ignore_case ? 'i' : ''}` : rule.in ? `in [${rule.in.join(', ')}]` : `= ${rule.equals}`;
  return `${rule.field} ${what}`;
}
