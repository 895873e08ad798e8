import type { PipelineDefinition } from '../../core/pipeline.js';
import { checkAdatrap } from './checks.js';
import { adatrapSchema, type AdatrapConfig } from './schema.js';

// A day of public-transport data mined by ADATRAP from S3 inputs, here or on a throwaway EC2 instance (seed 004).
// The AWS SDK is imported by the run only: checking a process file loads none of it.
export const adatrap: PipelineDefinition<AdatrapConfig> = {
  kind: 'adatrap',
  daily: true,
  description: 'Gathers a day\'s inputs from S3, runs the ADATRAP program over them (on this host or a throwaway EC2 instance), and uploads its outputs as a verified zip.',
  schema: adatrapSchema,
  check: (config, ctx) => checkAdatrap(config, ctx),
  async run(config, ctx) {
    const { runAdatrap } = await import('./run.js');
    return runAdatrap(config, ctx);
  },
};
