import type { LoadedConfig, StageName } from '../config/index.js';
import type { ProcessSpec } from '../core/process.js';
import type { ResolvedPath } from '../config/paths.js';
import { detailOf, formatProblem, ProblemCode, type Problem, type ProblemCodeValue } from '../config/problem.js';
import { renderTable } from './table.js';

const STAGES: Record<StageName, string> = {
  found: 'files found',
  parsed: 'parsed',
  interpolated: 'interpolated',
  schema: 'schema',
  checks: 'kind checks',
};

// `--validate-only`: each stage with what it found, every problem, then a line per process (vector validate); with
// `-v`: each path a valid process names, as written and as it is read, and what each valid process will run, as
// its kind describes it.
export function renderValidation(dir: string, config: LoadedConfig, verbose?: { paths: Map<string, ResolvedPath[]>; describe: (spec: ProcessSpec) => string[] }): string {
  const paths = verbose?.paths;
  const describe = verbose?.describe;
  const out = [`Validating ${dir}`, ''];
  const detail: Record<StageName, (checked: number) => string> = {
    found: (n) => plural(n, 'process file'),
    parsed: () => plural(config.seen.length, 'process', 'processes'),
    interpolated: (n) => `${plural(n, 'file')}, environment variables substituted`,
    schema: (n) => `${n} of ${plural(n, 'process', 'processes')} valid`,
    checks: (n) => `${plural(n, 'process', 'processes')}: programs, folders, schedules, log files`,
  };
  for (const name of Object.keys(STAGES) as StageName[]) {
    const stage = config.stages.find((s) => s.name === name);
    const [mark, text] = !stage || (stage.checked === 0 && !stage.problems.length && config.problems.length)
      ? ['[--]  ', 'not reached']
      : stage.problems.length
        ? ['[FAIL]', plural(stage.problems.length, 'problem')]
        : ['[ok]  ', detail[name](stage.checked)];
    out.push(`  ${mark} ${STAGES[name].padEnd(13)} ${text}`);
  }
  if (config.problems.length) out.push('', 'Problems:', ...config.problems.map((p) => `  ${formatProblem(p)}`));
  if (config.warnings.length) out.push('', 'Warnings:', ...config.warnings.map((p) => `  ${formatProblem(p)}`));
  if (config.seen.length) {
    const rows = config.seen.map((s) => [s.problems ? '[FAIL]' : '[ok]', s.name, s.type ?? '', s.file, s.problems ? plural(s.problems, 'problem') : '']);
    out.push('', 'Processes:', ...renderTable(['', 'PROCESS', 'TYPE', 'FILE', ''], rows).split('\n').map((l) => `  ${l}`));
  }
  if (config.defaults) out.push('', `Defaults: ${config.defaults.file} gives ${Object.keys(config.defaults.values).join(', ')} to every process that sets none of its own.`);
  if (paths) {
    const rows = [...paths].flatMap(([name, list]) => list.map((p) => [name, p.key, p.written, p.resolved]));
    out.push('', `Paths, read from the project folder ${config.base}, where each process runs:`);
    if (rows.length) out.push(...renderTable(['PROCESS', 'KEY', 'WRITTEN', 'READ AS'], rows).split('\n').map((l) => `  ${l}`));
    else out.push('  (no process names a file or folder)');
  }
  const described = describe ? config.processes.flatMap((p) => describe(p).map((line) => `  ${p.name}: ${line}`)) : [];
  if (described.length) out.push('', 'What runs:', ...described);
  out.push(
    '',
    config.problems.length
      ? `Configuration is invalid: ${plural(config.problems.length, 'problem')}. Nothing was run.`
      : `Configuration is valid: ${plural(config.processes.length, 'process', 'processes')} in ${plural(config.files.length, 'file')}.`,
  );
  return `${out.join('\n')}\n`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

// The code of a problem that names none: its stage's.
const STAGE_CODES: Record<StageName, ProblemCodeValue> = {
  found: ProblemCode.Files,
  parsed: ProblemCode.Yaml,
  interpolated: ProblemCode.Variable,
  schema: ProblemCode.Schema,
  checks: ProblemCode.Check,
};

// `--validate-only --json`: the same report for a program; every problem with the same keys, null when it has none.
export function validationJson(dir: string, config: LoadedConfig, paths: Map<string, ResolvedPath[]>): string {
  const stageOf = new Map<Problem, StageName>();
  for (const stage of config.stages) for (const p of stage.problems) stageOf.set(p, stage.name);
  const shape = (p: Problem, fallback: ProblemCodeValue) => {
    const d = detailOf(p);
    return { file: p.file, line: p.line ?? null, col: p.col ?? null, process: p.process ?? null, key: d.key ?? null, value: d.value ?? null, message: p.message, code: d.code ?? fallback };
  };
  const report = {
    config: dir,
    base: config.base,
    defaults: config.defaults ? { file: config.defaults.file, keys: Object.keys(config.defaults.values) } : null,
    valid: config.problems.length === 0,
    files: config.files.length,
    stages: (Object.keys(STAGES) as StageName[]).map((name) => {
      const stage = config.stages.find((s) => s.name === name);
      return { name, reached: stage !== undefined, checked: stage?.checked ?? 0, problems: stage?.problems.length ?? 0 };
    }),
    problems: config.problems.map((p) => shape(p, STAGE_CODES[stageOf.get(p) ?? 'checks'])),
    warnings: config.warnings.map((p) => shape(p, ProblemCode.Check)),
    processes: config.seen.map((s) => ({ name: s.name, file: s.file, type: s.type ?? null, valid: s.problems === 0, problems: s.problems, paths: paths.get(s.name) ?? [] })),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
