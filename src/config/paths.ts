import { resolve } from 'node:path';
import type { JsonSchema, PipelineDefinition } from '../core/pipeline.js';
import type { ProcessSpec } from '../core/process.js';
import { commonProperties } from './common-schema.js';
import { formatKey } from './problem.js';

type Pattern = Array<string | '*'>;

// A path a process names, as written and as it is read: from the project folder.
export interface ResolvedPath {
  key: string;
  written: string;
  resolved: string;
}

// Where the keys marked `x-path` in a kind's schema (and the common keys) are, `*` for any item or name.
export function pathPatterns(kind: PipelineDefinition): Pattern[] {
  const found: Pattern[] = [];
  walk({ properties: { ...commonProperties, ...((kind.schema as { properties?: object }).properties ?? {}) } }, [], found);
  return found;
}

function walk(schema: unknown, at: Pattern, found: Pattern[]): void {
  if (!schema || typeof schema !== 'object') return;
  const s = schema as JsonSchema;
  if (s['x-path'] === true) found.push(at);
  for (const [name, sub] of Object.entries((s.properties as Record<string, unknown>) ?? {})) walk(sub, [...at, name], found);
  if (s.items) walk(s.items, [...at, '*'], found);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') walk(s.additionalProperties, [...at, '*'], found);
  for (const key of ['allOf', 'anyOf', 'oneOf']) for (const sub of (s[key] as unknown[]) ?? []) walk(sub, at, found);
  for (const key of ['then', 'else']) walk(s[key], at, found);
}

// Every path of a valid process, resolved from `base` (`--validate-only -v` shows them).
export function resolvedPaths(spec: ProcessSpec, kind: PipelineDefinition, base: string): ResolvedPath[] {
  const out: ResolvedPath[] = [];
  const seen = new Set<string>();
  for (const pattern of pathPatterns(kind)) {
    for (const [path, value] of valuesAt(spec.config, pattern, [])) {
      const key = formatKey(path)!;
      if (typeof value !== 'string' || seen.has(key)) continue;
      seen.add(key);
      out.push({ key, written: value, resolved: resolve(base, value) });
    }
  }
  return out;
}

function valuesAt(value: unknown, pattern: Pattern, path: Array<string | number>): Array<[Array<string | number>, unknown]> {
  if (pattern.length === 0) return [[path, value]];
  if (!value || typeof value !== 'object') return [];
  const [head, ...rest] = pattern;
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.filter(([k]) => head === '*' || k === head).flatMap(([k, v]) => valuesAt(v, rest, [...path, k]));
}
