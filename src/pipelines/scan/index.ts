import type { PipelineDefinition } from '../../core/pipeline.js';
import { checkScan } from './checks.js';
import { scanSchema, type ScanConfig } from './schema.js';

// A day of 5-minute interface traffic from SCAN (MRTG logs), daily summaries, stored (seed 000).
export const scan: PipelineDefinition<ScanConfig> = {
  kind: 'scan',
  daily: true,
  description: 'Collects a day of 5-minute interface traffic from SCAN (MRTG logs over HTTPS), writes daily summaries per layer, and stores samples and summaries in SQLite or InfluxDB.',
  schema: scanSchema,
  check: (config, ctx) => checkScan(config, ctx),
  async run(config, ctx) {
    const { runScan } = await import('./run.js');
    return runScan(config, ctx);
  },
};
