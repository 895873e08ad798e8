import type { PipelineDefinition, PipelineOutcome } from '../../core/pipeline.js';
import { checkInfluxCopy } from './checks.js';
import { influxCopySchema, type InfluxCopyConfig } from './schema.js';

// Exact, streaming, incremental copies between InfluxDB 1.x servers, verified (seed 001).
export const influxdbCopy: PipelineDefinition<InfluxCopyConfig> = {
  kind: 'influxdb-copy',
  description: 'Copies databases between InfluxDB 1.x servers exactly (types, nanoseconds, every retention policy), streaming and incremental, then verifies the copy; or archives them (destination_archive) as compressed line protocol in a folder or S3.',
  schema: influxCopySchema,
  check: (config) => checkInfluxCopy(config),
  async run(config, ctx) {
    const copied = config.destination_server ? await (await import('./snapshot.js')).copyByMethod(config, ctx) : undefined;
    if (!config.destination_archive || ctx.signal.aborted) return copied!;
    const archived = await (await import('./archive.js')).archiveInflux(config, ctx);
    return copied ? both(copied, archived) : archived;
  },
};

// A copy and an archive in one run: the copy's counts, every check of both, the first error.
function both(copied: PipelineOutcome, archived: PipelineOutcome): PipelineOutcome {
  const checks = [...(copied.integrity?.checks ?? []), ...(archived.integrity?.checks ?? [])];
  const error = copied.error ?? archived.error;
  return { ...(copied.records ? { records: copied.records } : {}), ...(checks.length ? { integrity: { ok: checks.every((c) => c.ok), checks } } : {}), ...(error ? { error } : {}) };
}
