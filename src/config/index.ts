import { relative } from 'node:path';
import { isMap, type Scalar } from 'yaml';
import type { LokiConfig, MonitoringConfig } from '../monitoring/schema.js';
import type { PipelineDefinition } from '../pipelines/types.js';
import { commonChecks } from './common-checks.js';
import { DEFAULT_KIND } from './common-schema.js';
import { Redactor } from '../logging/redact.js';
import { discoverProcessFiles } from './discover.js';
import { interpolateDocument, type Env } from './interpolate.js';
import { parseProcessFile, type ParsedProcess } from './load.js';
import type { Problem } from './problem.js';
import { collectSecrets } from './secrets.js';
import { closest } from './messages.js';
import { createValidator } from './validate.js';
import { nodeAt, positionOf } from './yaml-source.js';

export type { Problem } from './problem.js';

// A valid, interpolated process with every default filled in: what a runner may trust.
export interface ProcessSpec {
  name: string;
  file: string;
  type: string;
  enabled: boolean;
  timeout?: number;
  /** The cron expression and, when the process names one, its zone. */
  schedule?: { cron: string; timezone?: string };
  /** Processes that must succeed before this one runs. */
  after?: string[];
  logging?: { level?: string; file?: string; loki?: LokiConfig };
  /** Where a point with the result goes after the process. */
  monitoring?: MonitoringConfig;
  /** The whole definition as validated, kind keys included. */
  config: Record<string, unknown>;
  /** `logs serve`: the received file, run instead of the definition's `inputs`. */
  inputs?: string[];
}

export type StageName = 'found' | 'parsed' | 'interpolated' | 'schema' | 'checks';

export interface Stage {
  name: StageName;
  /** How many files (found, parsed, interpolated) or processes (schema, checks) the stage looked at. */
  checked: number;
  problems: Problem[];
}

export interface ProcessStatus {
  name: string;
  file: string;
  type?: string;
  problems: number;
}

export interface LoadedConfig {
  files: string[];
  stages: Stage[];
  /** Every process seen, valid or not, in file order. */
  seen: ProcessStatus[];
  /** Valid processes only; empty unless `problems` is. */
  processes: ProcessSpec[];
  problems: Problem[];
  /** Worth telling, not a reason to refuse: the processes run. */
  warnings: Problem[];
  /** Every secret value found in the definitions, for the log redactor. */
  secrets: Set<string>;
}

export interface LoadOptions {
  env?: Env;
  cwd?: string;
  /** `--date`, for the kinds' checks. */
  date?: string;
}

// discover → parse → interpolate → schema → kind checks; each stage reports every problem it can.
export async function loadConfig(dir: string, kinds: readonly PipelineDefinition[], options: LoadOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const show = (file: string) => relative(cwd, file) || file;
  const stages: Stage[] = [];
  const seen: ProcessStatus[] = [];
  const secrets = new Set<string>();
  const warnings: Problem[] = [];
  const stage = (name: StageName, checked: number, problems: Problem[]) => stages.push({ name, checked, problems: sortProblems(problems, files.map(show)) });
  const done = (processes: ProcessSpec[]): LoadedConfig => {
    // A problem quotes values, and a value may hold a secret interpolated into a key that does not look like one.
    const redactor = new Redactor();
    redactor.add(secrets);
    for (const stage of stages) for (const p of stage.problems) p.message = redactor.text(p.message);
    const problems = sortProblems(stages.flatMap((s) => s.problems), files.map(show));
    for (const status of seen) status.problems = problems.filter((p) => p.process === status.name && p.file === status.file).length;
    for (const w of warnings) w.message = redactor.text(w.message);
    return { files, stages, seen, processes: problems.length ? [] : processes, problems, warnings, secrets };
  };

  const found = await discoverProcessFiles(dir);
  const files = found.files;
  stage('found', files.length, found.problems.map((p) => ({ ...p, file: show(p.file) })));
  if (found.problems.length) return done([]);

  // Parse every file, then check names across files.
  const parsedProblems: Problem[] = [];
  const parsed: ParsedProcess[] = [];
  const firstFile = new Map<string, string>();
  for (const file of files) {
    const result = await parseProcessFile(file, show(file));
    parsedProblems.push(...result.problems);
    for (const p of result.processes) {
      seen.push({ name: p.name, file: p.src.file, type: writtenType(p), problems: 0 });
      const other = firstFile.get(p.name);
      if (other !== undefined) {
        parsedProblems.push({ file: p.src.file, ...positionOf(p.src, p.keyNode), process: p.name, message: `duplicate process name; it is also defined in ${other}` });
      } else {
        firstFile.set(p.name, p.src.file);
        parsed.push(p);
      }
    }
  }
  stage('parsed', files.length, parsedProblems);

  // Interpolate each file once (anchors may be shared between its processes).
  const interpolationProblems: Problem[] = [];
  const sources = new Set(parsed.map((p) => p.src));
  for (const src of sources) {
    const mine = parsed.filter((p) => p.src === src);
    const processOf = (scalar: Scalar) => ownerOf(mine, scalar.range?.[0]);
    interpolationProblems.push(...interpolateDocument(src, env, processOf, secrets));
  }
  stage('interpolated', sources.size, interpolationProblems);

  // Validate every process that parsed and interpolated cleanly.
  const validate = createValidator(kinds);
  const schemaProblems: Problem[] = [];
  const valid: Array<{ parsed: ParsedProcess; spec: ProcessSpec }> = [];
  const interpolated = parsed.filter((p) => !interpolationProblems.some((x) => x.process === p.name && x.file === p.src.file));
  for (const p of interpolated) {
    let definition: unknown;
    try {
      definition = (p.src.doc.toJS({ maxAliasCount: 1000 }) as Record<string, unknown>)[p.name];
    } catch (error) {
      // An alias to no anchor, a merge of something that is not a mapping, an alias bomb.
      schemaProblems.push(locate(p, [], `cannot resolve the YAML: ${(error as Error).message.split('\n')[0]}`));
      continue;
    }
    const issues = validate(definition);
    for (const issue of issues) schemaProblems.push(locate(p, issue.path, issue.message, issue.atKey));
    collectSecrets(definition, false, secrets);
    if (issues.length === 0) valid.push({ parsed: p, spec: toSpec(p, definition as Record<string, unknown>) });
  }
  stage('schema', interpolated.length, schemaProblems);

  const checkProblems: Problem[] = [];
  for (const { parsed: p, spec } of valid) {
    const kind = kinds.find((k) => k.kind === spec.type)!;
    const ctx = { process: spec.name, file: spec.file, cwd, date: options.date };
    const issues = [...commonChecks(spec, cwd), ...((await kind.check?.(spec.config, ctx)) ?? [])];
    for (const issue of issues) (issue.warning ? warnings : checkProblems).push(locate(p, issue.path ?? [], issue.message));
  }
  checkProblems.push(...orderProblems(valid));
  stage('checks', valid.length, checkProblems);
  return done(valid.map((v) => v.spec));
}

// `after` names processes that exist, and never leads back to where it started.
function orderProblems(valid: Array<{ parsed: ParsedProcess; spec: ProcessSpec }>): Problem[] {
  const byName = new Map(valid.map((v) => [v.spec.name, v]));
  const problems: Problem[] = [];
  for (const { parsed: p, spec } of valid) {
    (spec.after ?? []).forEach((name, i) => {
      if (name === spec.name) problems.push(locate(p, ['after', i], `"after" names the process itself`));
      else if (!byName.has(name)) problems.push(locate(p, ['after', i], `"after" names "${name}", which is not a process${suggest(name, [...byName.keys()])}`));
    });
  }
  // A cycle, reported once, at its first process in file order.
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      const key = [...cycle.slice(0, -1)].sort().join(' ');
      if (reported.has(key)) return;
      reported.add(key);
      const first = byName.get(cycle[0]!)!;
      problems.push(locate(first.parsed, ['after'], `"after" makes a cycle: ${cycle.join(' → ')}`));
      return;
    }
    state.set(name, 'visiting');
    for (const next of byName.get(name)?.spec.after ?? []) if (byName.has(next)) visit(next, [...path, name]);
    state.set(name, 'done');
  };
  for (const { spec } of valid) visit(spec.name, []);
  return problems;
}

function suggest(name: string, names: string[]): string {
  const close = closest(name, names);
  return close ? `; did you mean "${close}"?` : '';
}

// The kind a process names (or the default), read before any validation, for the report.
function writtenType(p: ParsedProcess): string {
  if (!isMap(p.valueNode)) return '';
  const type = p.valueNode.get('type');
  return type === undefined ? DEFAULT_KIND : String(type);
}

// In the order a person reads them: file by file as discovered, then line by line.
function sortProblems(problems: Problem[], files: string[]): Problem[] {
  const rank = (p: Problem) => {
    const i = files.indexOf(p.file);
    return i === -1 ? files.length : i;
  };
  return [...problems].sort((a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

function locate(p: ParsedProcess, path: Array<string | number>, message: string, atKey = false): Problem {
  const { node, key } = nodeAt(p.src, [p.name, ...path]);
  // A problem with the definition as a whole points at the process name.
  const target = path.length === 0 ? p.keyNode : atKey ? (key ?? node) : (node ?? key);
  return { file: p.src.file, ...(positionOf(p.src, target) ?? positionOf(p.src, p.keyNode)), process: p.name, message };
}

function ownerOf(processes: ParsedProcess[], offset: number | undefined): string | undefined {
  if (offset === undefined) return undefined;
  return processes.find((p) => {
    const range = p.valueNode?.range;
    return range != null && range[0] <= offset && offset < range[2];
  })?.name;
}

function toSpec(p: ParsedProcess, config: Record<string, unknown>): ProcessSpec {
  const { type, enabled, timeout, logging, after, monitoring } = config as Partial<ProcessSpec>;
  const written = config.schedule as string | { cron: string; timezone?: string } | undefined;
  const schedule = typeof written === 'string' ? { cron: written } : written;
  return { name: p.name, file: p.src.file, type: type!, enabled: enabled !== false, timeout, ...(schedule ? { schedule } : {}), ...(after?.length ? { after } : {}), logging, ...(monitoring ? { monitoring } : {}), config };
}
