import { isMap, type Node, type Scalar } from 'yaml';
import type { CheckIssue, PipelineDefinition } from '../core/pipeline.js';
import type { ProcessSpec } from '../core/process.js';
import { collectSecrets } from '../lib/secrets.js';
import { commonChecks } from './common-checks.js';
import { DEFAULT_KIND } from './common-schema.js';
import { applyDefaults, type SharedDefaults } from './defaults.js';
import { discoverProcessFiles } from './discover.js';
import { interpolateDocument, type Env } from './interpolate.js';
import { parseProcessFile, type ParsedProcess } from './load.js';
import { orderProblems } from './order.js';
import { formatKey, ProblemCode, shownValue, withDetail, type Problem, type ProblemCodeValue } from './problem.js';
import { resolveDefinitions } from './resolve.js';
import { alreadyReported, type Doubts } from './taint.js';
import { createValidator } from './validate.js';
import { nodeAt, positionOf, spanFinder, type YamlSource } from './yaml-source.js';

export type StageName = 'found' | 'parsed' | 'interpolated' | 'schema' | 'checks';

export interface Stage {
  name: StageName;
  /** How many files (found, parsed, interpolated) or processes (schema, checks) the stage looked at. */
  checked: number;
  problems: Problem[];
}

// A process the loader saw, valid or not, and how many problems it has (not a run's ProcessStatus).
export interface SeenProcess {
  name: string;
  file: string;
  type?: string;
  problems: number;
}

// What the stages of one load share: each adds its report to `stages`, and what it finds to the rest.
export interface Loading {
  cwd: string;
  /** The project folder, which relative paths in a process are read from (the checks look there). */
  base: string;
  /** What `.defaults.yaml` gives every process that sets none of its own. */
  defaults?: SharedDefaults;
  /** A file as messages name it: relative to the working directory. */
  show(file: string): string;
  files: string[];
  stages: Stage[];
  seen: SeenProcess[];
  secrets: Set<string>;
  warnings: Problem[];
}

// The processes grouped by file, with what finds the process owning a node, and what interpolation left in doubt.
export interface Interpolated {
  sources: Map<YamlSource, ParsedProcess[]>;
  owners: Map<YamlSource, (offset: number | undefined) => string | undefined>;
  /** Scalars whose variables could not be substituted. */
  tainted: Set<Node>;
  /** The processes with an interpolation problem. */
  failed: ParsedProcess[];
}

// A process after the schema, valid (`ok`) or not: the checks look at both.
export interface Validated {
  parsed: ParsedProcess;
  spec: ProcessSpec;
  ok: boolean;
  doubts: Doubts;
  /** The keys the process took from the shared defaults, not from its own file. */
  given: string[];
}

const processKey = (file: string, name: string) => `${file}\0${name}`;

function report(loading: Loading, name: StageName, checked: number, problems: Problem[]): void {
  loading.stages.push({ name, checked, problems: sortProblems(problems, loading.files.map(loading.show)) });
}

// 1. found: the process files under `dir`. False when the folder itself is the problem: nothing else can run.
export async function discoverStage(dir: string, loading: Loading): Promise<boolean> {
  const found = await discoverProcessFiles(dir);
  loading.files = found.files;
  report(loading, 'found', found.files.length, found.problems.map((p) => ({ ...p, file: loading.show(p.file) })));
  return found.problems.length === 0;
}

// 2. parsed: every file's YAML, then the process names across files (a name defined twice is a problem).
export async function parseStage(loading: Loading): Promise<ParsedProcess[]> {
  const problems: Problem[] = [];
  const parsed: ParsedProcess[] = [];
  const firstFile = new Map<string, string>();
  for (const file of loading.files) {
    const result = await parseProcessFile(file, loading.show(file));
    for (const problem of result.problems) problems.push(problem);
    for (const p of result.processes) {
      loading.seen.push({ name: p.name, file: p.src.file, type: writtenType(p), problems: 0 });
      const other = firstFile.get(p.name);
      if (other !== undefined) {
        problems.push(withDetail({ file: p.src.file, ...positionOf(p.src, p.keyNode), process: p.name, message: `duplicate process name; it is also defined in ${other}` }, { code: ProblemCode.Duplicate }));
      } else {
        firstFile.set(p.name, p.src.file);
        parsed.push(p);
      }
    }
  }
  report(loading, 'parsed', loading.files.length, problems);
  return parsed;
}

// 3. interpolated: ${VAR} in each file, once (anchors may be shared between its processes). A process with a
// problem here still goes on to the schema and the checks, which say what else is wrong with it.
// `all`: every process parsed, when `parsed` is a selection (--only): the problems of the others are not told.
export function interpolateStage(parsed: ParsedProcess[], env: Env, loading: Loading, all = parsed): Interpolated {
  const problems: Problem[] = [];
  const sources = new Map<YamlSource, ParsedProcess[]>();
  for (const p of parsed) {
    const mine = sources.get(p.src);
    if (mine) mine.push(p);
    else sources.set(p.src, [p]);
  }
  const everyone = new Map<YamlSource, ParsedProcess[]>();
  for (const p of all) if (sources.has(p.src)) everyone.get(p.src)?.push(p) ?? everyone.set(p.src, [p]);
  const owners = new Map([...everyone].map(([src, mine]) => [src, spanFinder(mine.map((p) => ({ range: p.valueNode?.range, value: p.name })))]));
  const chosen = new Set(parsed);
  const left = new Set(all.filter((p) => !chosen.has(p)).map((p) => p.name));
  const tainted = new Set<Node>();
  for (const src of sources.keys()) {
    const ownerOf = owners.get(src)!;
    // One by one: a spread of many thousands of problems would overflow the stack.
    for (const problem of interpolateDocument(src, env, (scalar: Scalar) => ownerOf(scalar.range?.[0]), loading.secrets, tainted)) {
      if (problem.process === undefined || !left.has(problem.process)) problems.push(problem);
    }
  }
  report(loading, 'interpolated', sources.size, problems);
  const failed = new Set(problems.map((x) => processKey(x.file, x.process ?? '')));
  return { sources, owners, tainted, failed: parsed.filter((p) => failed.has(processKey(p.src.file, p.name))) };
}

// 4. schema: each definition (merge keys resolved) against the JSON Schema of its kind; defaults filled in. Every
// process is validated, those with interpolation problems too (minus what those problems explain).
export function schemaStage(interpolated: Interpolated, kinds: readonly PipelineDefinition[], loading: Loading): Validated[] {
  const validate = createValidator(kinds);
  const problems: Problem[] = [];
  const validated: Validated[] = [];
  const definitions = new Map<ParsedProcess, unknown>();
  for (const [src, mine] of interpolated.sources) {
    const resolution = resolveDefinitions(src, mine, interpolated.owners.get(src)!);
    for (const [p, definition] of resolution.definitions) definitions.set(p, definition);
    const byName = new Map(mine.map((m) => [m.name, m]));
    for (const r of resolution.problems) {
      const p = r.process === undefined ? undefined : byName.get(r.process);
      problems.push(p && !r.at ? locate(p, [], r.message) : { file: src.file, ...positionOf(src, r.at ?? p?.keyNode), ...(r.process ? { process: r.process } : {}), message: r.message });
    }
  }
  const failed = new Set(interpolated.failed);
  for (const [p, definition] of definitions) {
    const given = applyDefaults(definition, loading.defaults);
    // Before validation, which takes the credentials out of URLs: the password as it was written counts too.
    collectSecrets(definition, false, loading.secrets);
    const doubts: Doubts = { tainted: interpolated.tainted, refused: [] };
    const issues = validate(definition).filter((issue) => !alreadyReported(p, issue.path, doubts, issue.structural));
    for (const issue of issues) {
      // A value the process took from the defaults is not in its file: say where it is.
      const from = given.includes(String(issue.path[0])) ? ` (from ${loading.defaults!.file})` : '';
      problems.push(locate(p, issue.path, `${issue.message}${from}`, issue.atKey, issue.structural ? ProblemCode.UnknownKey : undefined));
    }
    doubts.refused = issues.filter((issue) => !issue.structural).map((issue) => issue.path);
    const ok = issues.length === 0 && !failed.has(p);
    validated.push({ parsed: p, spec: toSpec(p, definition as Record<string, unknown>), ok, doubts, given });
  }
  // Counted as before: the processes that reached the schema without an interpolation problem.
  report(loading, 'schema', [...definitions.keys()].filter((p) => !failed.has(p)).length, problems);
  return validated;
}

// 5. checks: what the schema cannot say (the common checks, each kind's own, the order of `after`). Every process
// is checked; of one with problems already, only what they do not explain is reported. Warnings are kept apart:
// the processes still run.
export async function checkStage(validated: Validated[], kinds: readonly PipelineDefinition[], date: string | undefined, loading: Loading): Promise<ProcessSpec[]> {
  const problems: Problem[] = [];
  const memo = new Map<string, unknown>();
  for (const { parsed: p, spec, ok, doubts, given } of validated) {
    const kind = kinds.find((k) => k.kind === spec.type);
    const ctx = { process: spec.name, file: spec.file, cwd: loading.base, date, memo };
    // A check may assume a valid definition: of one that is not, a check that throws has nothing to add.
    const issues = [...(await attempt(ok, () => commonChecks(spec, loading.base, given))), ...(kind ? await attempt(ok, async () => (await kind.check?.(spec.config, ctx)) ?? []) : [])];
    for (const issue of issues) {
      if (!ok && alreadyReported(p, issue.path ?? [], doubts)) continue;
      (issue.warning ? loading.warnings : problems).push(locate(p, issue.path ?? [], issue.message, issue.atKey ?? false, issue.path?.[0] === 'schedule' ? ProblemCode.Schedule : undefined));
    }
  }
  const ordered = validated.map((v) => ({ parsed: v.parsed, name: v.spec.name, after: Array.isArray(v.spec.after) ? v.spec.after.filter((a): a is string => typeof a === 'string') : undefined }));
  for (const issue of orderProblems(ordered)) problems.push(locate(issue.at.parsed, issue.path, issue.message, false, ProblemCode.After));
  report(loading, 'checks', validated.filter((v) => v.ok).length, problems);
  return validated.filter((v) => v.ok).map((v) => v.spec);
}

async function attempt(ok: boolean, check: () => CheckIssue[] | Promise<CheckIssue[]>): Promise<CheckIssue[]> {
  if (ok) return check();
  try {
    return await check();
  } catch {
    return [];
  }
}

// The kind a process names (or the default), read before any validation, for the report.
function writtenType(p: ParsedProcess): string {
  if (!isMap(p.valueNode)) return '';
  const type = p.valueNode.get('type');
  return type === undefined ? DEFAULT_KIND : String(type);
}

// In the order a person reads them: file by file as discovered, then line by line.
export function sortProblems(problems: Problem[], files: string[]): Problem[] {
  const order = new Map(files.map((f, i) => [f, i]));
  const rank = (p: Problem) => order.get(p.file) ?? files.length;
  return [...problems].sort((a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

function locate(p: ParsedProcess, path: Array<string | number>, message: string, atKey = false, code?: ProblemCodeValue): Problem {
  // From the process's own node: searching the file's top level for its name would cost a pass over every process.
  const { node, key } = path.length ? nodeAt(p.src, path, p.valueNode) : { node: undefined, key: undefined };
  // A problem with the definition as a whole points at the process name.
  const target = path.length === 0 ? p.keyNode : atKey ? (key ?? node) : (node ?? key);
  const problem = { file: p.src.file, ...(positionOf(p.src, target) ?? positionOf(p.src, p.keyNode)), process: p.name, message };
  return withDetail(problem, { key: formatKey(path), value: path.length ? shownValue(node, path) : undefined, ...(code ? { code } : {}) });
}

function toSpec(p: ParsedProcess, config: Record<string, unknown>): ProcessSpec {
  const { type, enabled, timeout, logging, after, monitoring } = config as Partial<ProcessSpec>;
  const written = config.schedule as string | { cron: string; timezone?: string } | undefined;
  const schedule = typeof written === 'string' ? { cron: written } : written;
  return { name: p.name, file: p.src.file, type: type!, enabled: enabled !== false, timeout, ...(schedule ? { schedule } : {}), ...(after?.length ? { after } : {}), logging, ...(monitoring ? { monitoring } : {}), config };
}
