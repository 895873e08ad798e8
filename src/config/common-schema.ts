import { lokiSchema, monitoringSchema } from '../monitoring/schema.js';
import { seconds } from '../lib/schema-parts.js';
import { notifySchema } from '../notify/schema.js';
import type { JsonSchema } from '../core/pipeline.js';
import { retentionSchema } from '../archive/retention.js';

// The kind a process has when its definition names none: files of the original toolkit validate unchanged.
export const DEFAULT_KIND = 'influxdb-copy';

// The seed's Python level names are accepted next to winston's.
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'WARN', 'ERROR', 'debug', 'info', 'warning', 'warn', 'error'] as const;

// Keys every kind accepts.
export const commonProperties: Record<string, JsonSchema> = {
  enabled: { type: 'boolean', default: true, description: 'false keeps the process in the files but never runs it.' },
  schedule: {
    description: 'When `main schedule` runs it: a cron expression, seconds optional ("0 4 * * *"), or { cron, timezone } to read it in a zone other than `main schedule --timezone`.',
    'x-expected': 'a cron expression such as "0 4 * * *", or { cron: "0 4 * * *", timezone: "America/Caracas" }',
    oneOf: [
      { type: 'string', minLength: 1 },
      {
        type: 'object',
        additionalProperties: false,
        required: ['cron'],
        properties: {
          cron: { type: 'string', minLength: 1 },
          timezone: { type: 'string', minLength: 1 },
        },
      },
    ],
  },
  after: {
    type: 'array',
    uniqueItems: true,
    items: { type: 'string', minLength: 1 },
    description: 'Processes that must succeed first: `main` starts this one only after them (and skips it when one did not succeed); `main schedule` runs it when they have succeeded. A cycle or an unknown name is an error.',
  },
  timeout: seconds('Seconds the whole process may take (at most a year); then SIGTERM, and SIGKILL after the grace period. No limit when absent.', { long: true }),
  logging: {
    type: 'object',
    additionalProperties: false,
    description: 'Logging of this process.',
    properties: {
      level: { enum: [...LOG_LEVELS], 'x-expected': 'one of DEBUG, INFO, WARNING, ERROR', description: 'Lowest level logged for this process (default: INFO, or DEBUG with --verbose).' },
      file: { type: 'string', minLength: 1, 'x-path': true, description: "A file that receives this process's log lines too (relative to the project folder)." },
      loki: lokiSchema,
    },
  },
  monitoring: monitoringSchema,
  notify: notifySchema,
  retention: retentionSchema,
};
