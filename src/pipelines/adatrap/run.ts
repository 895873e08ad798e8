import type { PipelineContext, PipelineOutcome } from '../../core/pipeline.js';
import { yesterday } from '../../lib/time-zone.js';
import { runDay } from './day.js';
import type { AdatrapConfig } from './schema.js';

// The day (`--date`, the process's `date`, or yesterday in its zone), run here or on an instance.
export async function runAdatrap(config: AdatrapConfig, ctx: PipelineContext): Promise<PipelineOutcome> {
  const day = ctx.date ?? config.date ?? yesterday(config.timezone);
  ctx.log.info(`Processing ${day} (${config.run.where}).`);
  if (config.run.where === 'ec2') {
    const { runDayOnInstance } = await import('./ec2/launch.js');
    return runDayOnInstance(config, day, ctx);
  }
  return runDay(config, day, ctx);
}
