import { ErrorCode, PipelineError } from '../../core/errors.js';
import type { PipelineContext, PipelineOutcome } from '../../core/pipeline.js';
import { describeExit, runStep, stepLabel } from './exec.js';
import type { CommandConfig } from './schema.js';

// How long a stopped step has between SIGTERM and SIGKILL; shorter than the orchestrator's grace so it can report.
const STEP_GRACE_MS = 3000;

export async function runCommand(config: CommandConfig, ctx: PipelineContext): Promise<PipelineOutcome> {
  const outcome = await runAndVerify(config, ctx);
  if (!config.archive) return outcome;
  const [{ archiveFilesAfterRun }, { destinationList }] = await Promise.all([import('../../archive/files-archive.js'), import('../../archive/destinations.js')]);
  return archiveFilesAfterRun(outcome, config.archive.paths, destinationList(config.archive.to, ctx.cwd), ctx);
}

async function runAndVerify(config: CommandConfig, ctx: PipelineContext): Promise<PipelineOutcome> {
  const runLabel = stepLabel(config.run);
  ctx.log.info(`Running ${runLabel}.`);
  const ran = await runStep(config.run, runLabel, ctx, STEP_GRACE_MS);
  if (ran.exitCode !== 0) throw new PipelineError(ErrorCode.Command, describeExit(runLabel, ran));
  if (!config.verify) return {};

  const verifyLabel = stepLabel(config.verify);
  ctx.log.info(`Verifying with ${verifyLabel}.`);
  const verified = await runStep(config.verify, verifyLabel, ctx, STEP_GRACE_MS);
  const ok = verified.exitCode === 0;
  const actual = verified.signal ? `killed by ${verified.signal}` : `exit ${verified.exitCode}`;
  return {
    integrity: {
      ok,
      checks: [{ name: `verify ${verifyLabel}`, ok, expected: 'exit 0', actual, ...(ok ? {} : { detail: describeExit(verifyLabel, verified) }) }],
    },
  };
}
