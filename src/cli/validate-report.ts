import type { LoadedConfig, StageName } from '../config/index.js';
import type { ProcessSpec } from '../core/process.js';
import { formatProblem } from '../config/problem.js';
import { renderTable } from './table.js';

const STAGES: Record<StageName, string> = {
  found: 'files found',
  parsed: 'parsed',
  interpolated: 'interpolated',
  schema: 'schema',
  checks: 'kind checks',
};

// `--validate-only`: each stage with what it found, every problem, then a line per process (vector validate); with
// `-v`, what each valid process will run, as its kind describes it.
export function renderValidation(dir: string, config: LoadedConfig, describe?: (spec: ProcessSpec) => string[]): string {
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
