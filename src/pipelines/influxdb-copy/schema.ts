import { httpUrl, seconds } from '../../lib/schema-parts.js';
import type { JsonSchema } from '../../core/pipeline.js';
import { archiveLocationSchema, type ArchiveLocation } from '../../archive/location.js';

export interface ServerConfig {
  url: string;
  user?: string;
  password?: string;
  database: string;
  tls_verify: boolean;
  /** method snapshot: influxd's RPC address (host:port); default the URL's host and 8088. */
  rpc?: string;
}

export interface BackupConfig {
  mode: 'full' | 'incremental';
  method: 'http' | 'snapshot' | 'auto';
  page_size: number;
  timeout: number;
  validate_data: boolean | 'checksum';
  overlap: string;
  window: string;
  measurements: string[];
  exclude_measurements: string[];
  retention_policies?: string[];
  start?: string;
  end?: string;
  retries: number;
  batch_bytes: number;
  write_concurrency: number;
  read_concurrency: number;
}

export interface InfluxCopyConfig {
  source_server: ServerConfig;
  /** At least one of destination_server and destination_archive (checks.ts). */
  destination_server?: ServerConfig;
  destination_archive?: ArchiveLocation;
  backup_config: BackupConfig;
}

const DURATION = '^[0-9]+(ns|us|µs|ms|s|m|h|d|w)$';
const POSITIVE_DURATION = '^0*[1-9][0-9]*(ns|us|µs|ms|s|m|h|d|w)$';
const TIME = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$';

const server = (role: string): JsonSchema => ({
  type: 'object',
  additionalProperties: false,
  required: ['url', 'database'],
  description: `The ${role} InfluxDB 1.x server.`,
  properties: {
    url: httpUrl('Base URL of the HTTP API; a user and password in it (http://user:pass@host) are read as `user` and `password`.', 'http://localhost:8086'),
    user: { type: 'string', description: 'User, when authentication is enabled.' },
    password: { type: 'string', description: 'Password; use ${VAR}. Never logged.' },
    database: { type: 'string', minLength: 1, description: `The ${role} database.` },
    tls_verify: { type: 'boolean', default: true, description: 'false accepts a self-signed certificate.' },
    rpc: { type: 'string', pattern: '^[^\\s/@]+:[0-9]{1,5}$', 'x-expected': 'host:port such as "10.0.0.5:8088"', description: 'method snapshot and auto: the RPC address `influxd backup` and `influxd restore` use (bind-address in influxdb.conf). Default: the URL\'s host and 8088.' },
  },
});

export const influxCopySchema: JsonSchema = {
  type: 'object',
  required: ['source_server'],
  properties: {
    source_server: server('source'),
    destination_server: server('destination'),
    destination_archive: archiveLocationSchema,
    backup_config: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'How to copy.',
      properties: {
        mode: { enum: ['full', 'incremental'], default: 'incremental', description: 'incremental resumes after the last checkpoint (minus overlap); full copies the whole range.' },
        method: { enum: ['http', 'snapshot', 'auto'], default: 'http', description: 'http: points over the HTTP API. snapshot (mode full only): the whole database (or one retention policy) as shard files by `influxd backup -portable` and `influxd restore -portable` over the RPC port, into a destination database that does not exist yet, then verified as http is. auto: snapshot when it can be used, else http with a warning.' },
        page_size: { type: 'integer', minimum: 1, maximum: 1000000, default: 10000, description: 'Points per chunk read and per batch written.' },
        timeout: seconds('Seconds one request may stay silent before it is retried.', { default: 300 }),
        validate_data: { enum: [true, false, 'checksum'], default: true, description: 'true: counts per field on both sides; checksum: an order-independent hash of every point; false: none.' },
        overlap: { type: 'string', pattern: DURATION, default: '10m', 'x-expected': 'a duration such as "10m"', description: 'Incremental mode re-reads this much before the checkpoint, for late points.' },
        window: { type: 'string', pattern: POSITIVE_DURATION, default: '6h', 'x-expected': 'a duration above zero such as "6h"', description: 'Longest time span read per query (a query never crosses a shard group); the checkpoint moves window by window.' },
        measurements: { type: 'array', items: { type: 'string', minLength: 1 }, default: ['*'], description: 'Measurements to copy (globs: * and ?).' },
        exclude_measurements: { type: 'array', items: { type: 'string', minLength: 1 }, default: [], description: 'Measurements not to copy (globs).' },
        retention_policies: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, description: 'Retention policies to copy (default: all).' },
        start: { type: 'string', pattern: TIME, 'x-expected': 'an RFC 3339 time such as "2026-01-01T00:00:00Z"', description: 'Copy points at or after this time.' },
        end: { type: 'string', pattern: TIME, 'x-expected': 'an RFC 3339 time such as "2026-02-01T00:00:00Z"', description: 'Copy points before this time.' },
        retries: { type: 'integer', minimum: 0, maximum: 20, default: 5, description: 'Retries of a request after a network error, a 5xx or a timeout (exponential backoff with jitter).' },
        batch_bytes: { type: 'integer', minimum: 1024, maximum: 26214400, default: 4194304, description: 'Largest write body in bytes (stay under the server max-body-size, 25 MB by default).' },
        write_concurrency: { type: 'integer', minimum: 1, maximum: 64, default: 4, description: 'Write requests in flight.' },
        read_concurrency: { type: 'integer', minimum: 1, maximum: 16, default: 2, description: 'Windows read at once.' },
      },
    },
  },
};
