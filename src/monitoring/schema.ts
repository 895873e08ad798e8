import { httpUrl, seconds } from '../lib/schema-parts.js';
import type { JsonSchema } from '../core/pipeline.js';

// Loki label names and InfluxDB tag keys that stay easy to query: no spaces, no quotes (checked in checks.ts).
export const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const RESERVED_TAGS = ['process', 'type', 'status', 'host'];
export const RESERVED_LABELS = ['run', 'process', 'type', 'level', 'job', 'host'];

export const monitoringSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url', 'database'],
  description: 'After the process ends (skipped included), write a point with its status, duration, records and integrity to this InfluxDB 1.x database. A failed write is logged and never fails the process.',
  properties: {
    url: httpUrl('Base URL of the InfluxDB HTTP API; a user and password in it are read as `user` and `password`.', 'http://localhost:8086'),
    database: { type: 'string', minLength: 1, description: 'Database of the points; created when missing (needs a user allowed to).' },
    user: { type: 'string', description: 'User, when authentication is enabled.' },
    password: { type: 'string', description: 'Password; use ${VAR}. Never logged.' },
    tls_verify: { type: 'boolean', default: true, description: 'false accepts a self-signed certificate.' },
    measurement: { type: 'string', minLength: 1, default: 'backup_runs', description: 'Measurement of the points.' },
    timeout: seconds('Seconds a write may take, retries included, before it is given up.', { default: 10, maximum: 300 }),
    tags: {
      type: 'object',
      default: {},
      additionalProperties: { type: 'string', minLength: 1 },
      description: 'Extra tags on every point, such as { site: caracas }.',
    },
  },
};

export const lokiSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  description: 'Also push the log lines of this process to Loki, with the labels run, process, type and level (and job: sysadmintoolkit, host). An unreachable Loki is reported once and never fails the process.',
  properties: {
    url: httpUrl('Base URL of Loki; a user and password in it are read as `user` and `password`.', 'http://localhost:3100'),
    user: { type: 'string', description: 'User for HTTP basic authentication (a Loki behind a proxy, Grafana Cloud).' },
    password: { type: 'string', description: 'Password; use ${VAR}. Never logged.' },
    tls_verify: { type: 'boolean', default: true, description: 'false accepts a self-signed certificate.' },
    labels: {
      type: 'object',
      default: {},
      additionalProperties: { type: 'string', minLength: 1 },
      description: 'Extra labels on every line; keep them few and fixed (each distinct set is a Loki stream).',
    },
  },
};
