import { ErrorCode } from '../../core/errors.js';
import type { PipelineContext } from '../../core/pipeline.js';
import { runProgram, type StepOutcome } from '../../lib/program.js';
import type { CommandStep } from './schema.js';

export { describeExit } from '../../lib/program.js';

// Run one step in its own process group so that a stop reaches everything it started.
export function runStep(step: CommandStep, label: string, ctx: PipelineContext, graceMs: number): Promise<StepOutcome> {
  const [file, args] = step.shell ? ['/bin/sh', ['-c', step.shell]] : [step.argv![0]!, step.argv!.slice(1)];
  return runProgram({ file, args, cwd: step.cwd, env: environment(step), timeout: step.timeout, label, errorCode: ErrorCode.Command }, ctx, graceMs);
}

// The whole command line, quoted: shortening it here could cut a secret in half and defeat the masking.
export function stepLabel(step: CommandStep): string {
  return `"${(step.shell ? [step.shell] : step.argv!).join(' ')}"`;
}

function environment(step: CommandStep): NodeJS.ProcessEnv {
  const extra = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, String(v)]));
  return step.inherit_env ? { ...process.env, ...extra } : { PATH: process.env.PATH, ...extra };
}
