import { relative } from 'node:path';
import type { PipelineDefinition } from '../core/pipeline.js';
import type { ProcessSpec } from '../core/process.js';
import { Redactor } from '../logging/redact.js';
import type { Env } from './interpolate.js';
import { redactDetail, type Problem } from './problem.js';
import { loadDefaults, type SharedDefaults } from './defaults.js';
import { configFolder, projectFolder } from './project.js';
import { selectedNames } from './select.js';
import { checkStage, discoverStage, interpolateStage, parseStage, schemaStage, sortProblems, type Loading, type SeenProcess, type Stage } from './stages.js';

export type { Problem } from './problem.js';
export type { SeenProcess, Stage, StageName } from './stages.js';


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
  /** Every process name defined (with --only, `seen` and `processes` hold the selection only). */
  names: string[];
  /** The project folder: relative paths in the process files are read from it. */
  base: string;
  /** The shared defaults (`.defaults.yaml` of the config folder), when there are any. */
  defaults?: SharedDefaults;
}

export interface LoadOptions {
  env?: Env;
  cwd?: string;
  /** The folder relative paths are read from; default: the project folder (project.ts). */
  base?: string;
  /** `--date`, for the kinds' checks. */
  date?: string;
  /** `--only`: validate these processes and those they run `after`; the others are only parsed. */
  only?: readonly string[];
}

// discover → parse → interpolate → schema → kind checks, one function each (stages.ts); each stage reports every
// problem it can, and only a folder that cannot be searched stops the load before the end.
export async function loadConfig(dir: string, kinds: readonly PipelineDefinition[], options: LoadOptions = {}): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const loading: Loading = { cwd, base: options.base ?? projectFolder(dir, cwd), show: (file) => relative(cwd, file) || file, files: [], stages: [], seen: [], secrets: new Set(), warnings: [] };
  if (!(await discoverStage(dir, loading))) return finish(loading, []);
  const all = await parseStage(loading);
  // The files are parsed whole (a file that does not parse may hold any process); from here on, the selection.
  const selected = options.only?.length ? selectedNames(all, options.only) : undefined;
  const parsed = selected ? all.filter((p) => selected.has(p.name)) : all;
  if (selected) loading.seen = loading.seen.filter((s) => selected.has(s.name));
  const env = options.env ?? process.env;
  // The shared defaults: their problems are the parsed stage's, named by their own file.
  const shared = await loadDefaults(configFolder(dir, cwd), env, loading.show, loading.secrets);
  loading.stages.find((s) => s.name === 'parsed')!.problems.push(...shared.problems);
  loading.defaults = shared.defaults;
  const interpolated = interpolateStage(parsed, env, loading, all);
  const valid = schemaStage(interpolated, kinds, loading);
  return finish(loading, await checkStage(valid, kinds, options.date, loading), all.map((p) => p.name));
}

// Masks the secrets in every message, counts each process's problems, and keeps the processes only when there is none.
function finish(loading: Loading, processes: ProcessSpec[], names: string[] = []): LoadedConfig {
  const { files, stages, seen, secrets, warnings, show, base, defaults } = loading;
  // A problem quotes values, and a value may hold a secret interpolated into a key that does not look like one.
  const redactor = new Redactor();
  redactor.add(secrets);
  for (const stage of stages) {
    for (const p of stage.problems) {
      p.message = redactor.text(p.message);
      redactDetail(p, (text) => redactor.text(text));
    }
  }
  const problems = sortProblems(stages.flatMap((s) => s.problems), files.map(show));
  const count = new Map<string, number>();
  const key = (file: string, name: string) => `${file}\0${name}`;
  for (const p of problems) if (p.process !== undefined) count.set(key(p.file, p.process), (count.get(key(p.file, p.process)) ?? 0) + 1);
  for (const status of seen) status.problems = count.get(key(status.file, status.name)) ?? 0;
  for (const w of warnings) {
    w.message = redactor.text(w.message);
    redactDetail(w, (text) => redactor.text(text));
  }
  return { files, stages, seen, processes: problems.length ? [] : processes, problems, warnings, secrets, names, base, ...(defaults ? { defaults } : {}) };
}
