import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Node } from 'yaml';
import { collectSecrets } from '../lib/secrets.js';
import { commonProperties } from './common-schema.js';
import { interpolateDocument, type Env } from './interpolate.js';
import { housekeepingSchema, type Housekeeping } from './housekeeping-schema.js';
import { parseProcessFile } from './load.js';
import { formatKey, ProblemCode, shownValue, withDetail, type Problem } from './problem.js';
import { resolveDefinitions } from './resolve.js';
import { createSchemaValidator } from './validate.js';
import { nodeAt, positionOf } from './yaml-source.js';

// The shared defaults of a config folder. Hidden, so that it is never taken for a process file, and an existing
// process file named defaults.yaml keeps its meaning.
export const DEFAULTS_FILE = '.defaults.yaml';

// The keys a process takes from the shared defaults when it sets none of its own. Each is replaced whole: a
// process's own `logging` replaces the default `logging`, not merged into it.
export const DEFAULT_KEYS = ['monitoring', 'logging', 'notify', 'timeout'] as const;
// Given the same way; it matters only to a process that writes archives (docs/archives.md#retention).
export const ARCHIVE_DEFAULT_KEYS = ['retention'] as const;
const GIVEN_KEYS = [...DEFAULT_KEYS, ...ARCHIVE_DEFAULT_KEYS];
// Of the defaults file alone, never given to a process: what the product's own files keep (`housekeeping:`).
export const HOUSEKEEPING_KEY = 'housekeeping';

export interface SharedDefaults {
  /** The file, as messages name it. */
  file: string;
  values: Record<string, unknown>;
}

// Read, interpolate and validate `.defaults.yaml` of `folder`, if there is one. Its problems name it and the line.
export async function loadDefaults(folder: string, env: Env, show: (file: string) => string, secrets: Set<string>): Promise<{ defaults?: SharedDefaults; problems: Problem[] }> {
  const path = join(folder, DEFAULTS_FILE);
  if (!existsSync(path)) return { problems: [] };
  const file = show(path);
  const parsed = await parseProcessFile(path, file);
  // An empty file sets nothing.
  if (!parsed.src && parsed.problems.every((p) => p.message.startsWith('file is empty'))) return { problems: [] };
  const problems = parsed.problems.map((p) => withDetail({ ...p, message: p.message.replace('process names to process definitions', 'keys to default values').replace('a process name of', 'a key of') }, { code: ProblemCode.Defaults }));
  const src = parsed.src;
  if (!src || problems.length) return { problems };
  // An unset variable hides nothing else: the rest is validated too, but for the value it left empty.
  const tainted = new Set<Node>();
  for (const p of interpolateDocument(src, env, () => undefined, secrets, tainted, false)) problems.push(withDetail(p, { code: ProblemCode.Defaults }));
  const resolution = resolveDefinitions(src, parsed.processes, () => undefined);
  for (const r of resolution.problems) problems.push(withDetail({ file, ...positionOf(src, r.at), message: r.message }, { code: ProblemCode.Defaults }));
  if (resolution.problems.length) return { problems };
  const values: Record<string, unknown> = {};
  for (const p of parsed.processes) values[p.name] = resolution.definitions.get(p);
  collectSecrets(values, false, secrets);
  for (const issue of validateDefaults(values)) {
    const { node, key } = nodeAt(src, issue.path);
    if (node && tainted.has(node)) continue;
    const at = issue.atKey ? (key ?? node) : (node ?? key);
    problems.push(withDetail({ file, ...positionOf(src, at), message: issue.message }, { key: formatKey(issue.path), value: shownValue(node, issue.path), code: ProblemCode.Defaults }));
  }
  return problems.length ? { problems } : { defaults: { file, values }, problems };
}

// Each key against the schema every process uses for it; `notify`, when this build's processes know no such key,
// is passed on as it is, for the process schema to judge.
let validator: ReturnType<typeof createSchemaValidator> | undefined;
function validateDefaults(values: Record<string, unknown>) {
  validator ??= createSchemaValidator({
    type: 'object',
    additionalProperties: false,
    properties: { ...Object.fromEntries(GIVEN_KEYS.map((key) => [key, commonProperties[key] ?? {}])), [HOUSEKEEPING_KEY]: housekeepingSchema },
  });
  return validator(values);
}

// Gives a process definition each default key it does not set (copies: validation changes what it validates);
// returns the keys it gave.
export function applyDefaults(definition: unknown, defaults: SharedDefaults | undefined): string[] {
  if (!defaults || !definition || typeof definition !== 'object' || Array.isArray(definition)) return [];
  const own = definition as Record<string, unknown>;
  const given = GIVEN_KEYS.filter((key) => own[key] === undefined && defaults.values[key] !== undefined);
  for (const key of given) own[key] = structuredClone(defaults.values[key]);
  return given;
}

// `housekeeping:` of the defaults, when it has one (validated with the rest).
export function housekeepingOf(defaults: SharedDefaults | undefined): Housekeeping | undefined {
  return defaults?.values[HOUSEKEEPING_KEY] as Housekeeping | undefined;
}
