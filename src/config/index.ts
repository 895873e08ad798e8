import { relative } from 'node:path';
import { isMap, type Scalar } from 'yaml';
import type { PipelineDefinition } from '../core/pipeline.js';
import { commonChecks } from './common-checks.js';
import { DEFAULT_KIND } from './common-schema.js';
import { Redactor } from '../logging/redact.js';
import { discoverProcessFiles } from './discover.js';
import { interpolateDocument, type Env } from './interpolate.js';
import { parseProcessFile, type ParsedProcess } from './load.js';
import { orderProblems } from './order.js';
import type { Problem } from './problem.js';
import { resolveDefinitions } from './resolve.js';
import { collectSecrets } from '../lib/secrets.js';
import { createValidator } from './validate.js';
import { nodeAt, positionOf, spanFinder, type YamlSource } from './yaml-source.js';
import type { ProcessSpec } from '../core/process.js';

export type { Problem } from './problem.js';

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

export interface LoadedConfig {
  files: string[];
  stages: Stage[];
  /** Every process seen, valid or not, in file order. */
  seen: SeenProcess[];
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
  const seen: SeenProcess[] = [];
  const secrets = new Set<string>();
  const warnings: Problem[] = [];
  const stage = (name: StageName, checked: number, problems: Problem[]) => stages.push({ name, checked, problems: sortProblems(problems, files.map(show)) });
  const processKey = (file: string, name: string) => `${file}\0${name}`;
  const done = (processes: ProcessSpec[]): LoadedConfig => {
    // A problem quotes values, and a value may hold a secret interpolated into a key that does not look like one.
    const redactor = new Redactor();
    redactor.add(secrets);
    for (const stage of stages) for (const p of stage.problems) p.message = redactor.text(p.message);
    const problems = sortProblems(stages.flatMap((s) => s.problems), files.map(show));
    const count = new Map<string, number>();
    for (const p of problems) if (p.process !== undefined) count.set(processKey(p.file, p.process), (count.get(processKey(p.file, p.process)) ?? 0) + 1);
    for (const status of seen) status.problems = count.get(processKey(status.file, status.name)) ?? 0;
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
    for (const problem of result.problems) parsedProblems.push(problem);
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
  const sources = new Map<YamlSource, ParsedProcess[]>();
  for (const p of parsed) {
    const mine = sources.get(p.src);
    if (mine) mine.push(p);
    else sources.set(p.src, [p]);
  }
  const owners = new Map([...sources].map(([src, mine]) => [src, spanFinder(mine.map((p) => ({ range: p.valueNode?.range, value: p.name })))]));
  for (const src of sources.keys()) {
    const ownerOf = owners.get(src)!;
    // One by one: a spread of many thousands of problems would overflow the stack.
    for (const problem of interpolateDocument(src, env, (scalar: Scalar) => ownerOf(scalar.range?.[0]), secrets)) interpolationProblems.push(problem);
  }
  stage('interpolated', sources.size, interpolationProblems);

  // Validate every process that parsed and interpolated cleanly.
  const validate = createValidator(kinds);
  const schemaProblems: Problem[] = [];
  const valid: Array<{ parsed: ParsedProcess; spec: ProcessSpec }> = [];
  const failed = new Set(interpolationProblems.map((x) => processKey(x.file, x.process ?? '')));
  const interpolated = parsed.filter((p) => !failed.has(processKey(p.src.file, p.name)));
  const definitions = new Map<ParsedProcess, unknown>();
  for (const [src, mine] of sources) {
    const resolution = resolveDefinitions(src, mine.filter((p) => !failed.has(processKey(p.src.file, p.name))), owners.get(src)!);
    for (const [p, definition] of resolution.definitions) definitions.set(p, definition);
    const byName = new Map(mine.map((m) => [m.name, m]));
    for (const r of resolution.problems) {
      const p = r.process === undefined ? undefined : byName.get(r.process);
      schemaProblems.push(p && !r.at ? locate(p, [], r.message) : { file: src.file, ...positionOf(src, r.at ?? p?.keyNode), ...(r.process ? { process: r.process } : {}), message: r.message });
    }
  }
  for (const p of interpolated) {
    if (!definitions.has(p)) continue;
    const definition = definitions.get(p);
    // Before validation, which takes the credentials out of URLs: the password as it was written counts too.
    collectSecrets(definition, false, secrets);
    const issues = validate(definition);
    for (const issue of issues) schemaProblems.push(locate(p, issue.path, issue.message, issue.atKey));
    if (issues.length === 0) valid.push({ parsed: p, spec: toSpec(p, definition as Record<string, unknown>) });
  }
  stage('schema', interpolated.length, schemaProblems);

  const checkProblems: Problem[] = [];
  const memo = new Map<string, unknown>();
  for (const { parsed: p, spec } of valid) {
    const kind = kinds.find((k) => k.kind === spec.type)!;
    const ctx = { process: spec.name, file: spec.file, cwd, date: options.date, memo };
    const issues = [...commonChecks(spec, cwd), ...((await kind.check?.(spec.config, ctx)) ?? [])];
    for (const issue of issues) (issue.warning ? warnings : checkProblems).push(locate(p, issue.path ?? [], issue.message));
  }
  for (const issue of orderProblems(valid.map((v) => ({ parsed: v.parsed, name: v.spec.name, after: v.spec.after })))) checkProblems.push(locate(issue.at.parsed, issue.path, issue.message));
  stage('checks', valid.length, checkProblems);
  return done(valid.map((v) => v.spec));
}

// The kind a process names (or the default), read before any validation, for the report.
function writtenType(p: ParsedProcess): string {
  if (!isMap(p.valueNode)) return '';
  const type = p.valueNode.get('type');
  return type === undefined ? DEFAULT_KIND : String(type);
}

// In the order a person reads them: file by file as discovered, then line by line.
function sortProblems(problems: Problem[], files: string[]): Problem[] {
  const order = new Map(files.map((f, i) => [f, i]));
  const rank = (p: Problem) => order.get(p.file) ?? files.length;
  return [...problems].sort((a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

function locate(p: ParsedProcess, path: Array<string | number>, message: string, atKey = false): Problem {
  // From the process's own node: searching the file's top level for its name would cost a pass over every process.
  const { node, key } = path.length ? nodeAt(p.src, path, p.valueNode) : { node: undefined, key: undefined };
  // A problem with the definition as a whole points at the process name.
  const target = path.length === 0 ? p.keyNode : atKey ? (key ?? node) : (node ?? key);
  return { file: p.src.file, ...(positionOf(p.src, target) ?? positionOf(p.src, p.keyNode)), process: p.name, message };
}

function toSpec(p: ParsedProcess, config: Record<string, unknown>): ProcessSpec {
  const { type, enabled, timeout, logging, after, monitoring } = config as Partial<ProcessSpec>;
  const written = config.schedule as string | { cron: string; timezone?: string } | undefined;
  const schedule = typeof written === 'string' ? { cron: written } : written;
  return { name: p.name, file: p.src.file, type: type!, enabled: enabled !== false, timeout, ...(schedule ? { schedule } : {}), ...(after?.length ? { after } : {}), logging, ...(monitoring ? { monitoring } : {}), config };
}
