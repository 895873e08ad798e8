import { ErrorCode, PipelineError } from '../../../core/errors.js';
import type { PipelineContext, PipelineOutcome } from '../../../core/pipeline.js';
import type { AdatrapConfig } from '../schema.js';

// Placeholder until the EC2 runner lands: refuses clearly.
export async function runDayOnInstance(_config: AdatrapConfig, day: string, _ctx: PipelineContext): Promise<PipelineOutcome> {
  throw new PipelineError(ErrorCode.AdatrapInstance, `where: ec2 is not built yet (day ${day})`);
}
