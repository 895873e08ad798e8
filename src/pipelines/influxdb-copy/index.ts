import type { PipelineDefinition } from '../../core/pipeline.js';
import { checkInfluxCopy } from './checks.js';
import { influxCopySchema, type InfluxCopyConfig } from './schema.js';

// Exact, streaming, incremental copies between InfluxDB 1.x servers, verified (seed 001).
export const influxdbCopy: PipelineDefinition<InfluxCopyConfig> = {
  kind: 'influxdb-copy',
  description: 'Copies databases between InfluxDB 1.x servers exactly (types, nanoseconds, every retention policy), streaming and incremental, then verifies the copy.',
  schema: influxCopySchema,
  check: (config) => checkInfluxCopy(config),
  async run(config, ctx) {
    const { copyInflux } = await import('./copy.js');
    return copyInflux(config, ctx);
  },
};
