import { resolve } from 'node:path';
import { ErrorCode } from '../../core/errors.js';
import type { PipelineContext } from '../../core/pipeline.js';
import { runProgram, type StepOutcome } from '../../lib/program.js';
import { shellLine } from '../../lib/shell-quote.js';
import type { CommandStep } from './schema.js';

export { describeExit } from '../../lib/program.js';

// Run one step in its own process group so that a stop reaches everything it started. `main` runs it itself
// (no Node child in between), so it is guarded: it does not outlive a `main` that dies.
export function runStep(step: CommandStep, label: string, ctx: PipelineContext, graceMs: number): Promise<StepOutcome> {
  const [file, args] = step.shell ? ['/bin/sh', ['-c', step.shell]] : [step.argv![0]!, step.argv!.slice(1)];
  return runProgram({ file, args, cwd: resolve(ctx.cwd, step.cwd ?? '.'), env: environment(step), timeout: step.timeout, label, errorCode: ErrorCode.Command, guarded: true }, ctx, graceMs);
}

// The whole command line between double quotes: a shell line as is, argv shell-quoted so that it can be pasted.
// Never shortened: that could cut a secret in half and defeat the masking.
export function stepLabel(step: CommandStep): string {
  return `"${step.shell ?? shellLine(step.argv!)}"`;
}

function environment(step: CommandStep): NodeJS.ProcessEnv {
  const extra = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, String(v)]));
  return step.inherit_env ? { ...process.env, ...extra } : { PATH: process.env.PATH, ...extra };
}
