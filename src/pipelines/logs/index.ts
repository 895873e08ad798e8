import type { PipelineDefinition } from '../../core/pipeline.js';
import { checkLogs } from './checks.js';
import { logsSchema, type LogsConfig } from './schema.js';

// Log files parsed, cleaned, stored in SQLite, analysed and reported (seed 003); `main logs serve` feeds it over TCP.
export const logs: PipelineDefinition<LogsConfig> = {
  kind: 'logs',
  description: 'Ingests log files (nginx, Apache, syslog, JSON lines or your own pattern; .gz read as is) into SQLite, incrementally and exactly once; cleans, counts, mines message templates, flags error-rate spikes, and writes a JSON and a Markdown report per run.',
  schema: logsSchema,
  check: (config, ctx) => checkLogs(config, ctx.cwd),
  async run(config, ctx) {
    const { runLogs } = await import('./run.js');
    return runLogs(config, ctx);
  },
};
