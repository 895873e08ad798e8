import { httpUrl, seconds } from '../../lib/schema-parts.js';
import type { JsonSchema } from '../../core/pipeline.js';
import { archiveDestinationsSchema, type ArchiveDestinations } from '../../archive/destinations.js';

export const LAYERS = ['BORDE', 'BRAS', 'CACHING', 'RAI', 'IXP', 'IPBRAS'] as const;
// Layers whose MRTG values are gauges (user counts), not traffic in bytes per second.
export const GAUGE_LAYERS = new Set(['IPBRAS']);

export interface ScanStore {
  kind: 'sqlite' | 'influxdb';
  /** SQLite file. */
  path: string;
  /** InfluxDB (kind influxdb). */
  url?: string;
  database?: string;
  user?: string;
  password?: string;
}

export interface ScanConfig {
  sources_dir: string;
  layers: string[];
  data_dir: string;
  timezone: string;
  date?: string;
  credentials?: { user: string; password: string };
  concurrency: number;
  request_timeout: number;
  retries: number;
  tls_verify: boolean;
  /** The share of the day's expected samples an interface needs, 0 to 1. */
  min_completeness: number;
  store: ScanStore;
  archive?: ArchiveDestinations;
}

export const scanSchema: JsonSchema = {
  type: 'object',
  properties: {
    sources_dir: { type: 'string', minLength: 1, default: 'sources/SCAN', 'x-path': true, description: 'Folder of one file per layer (BORDE, BRAS …), one interface a line: link;name;capacity Gbps;vendor.' },
    layers: { type: 'array', minItems: 1, items: { enum: [...LAYERS] }, default: [...LAYERS], description: 'Layers to collect; a layer without a source file is skipped with a warning.' },
    data_dir: { type: 'string', minLength: 1, default: 'data/SCAN', 'x-path': true, description: 'Where the day\'s rows (<LAYER>/<date>.tar) and the summaries (DAILY_SUMMARY/<LAYER>/<date>.csv) go.' },
    timezone: { type: 'string', minLength: 1, default: 'UTC', 'x-expected': 'an IANA time zone such as "America/Caracas"', description: 'The zone whose midnight starts the day; the default day is yesterday there.' },
    date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', 'x-expected': 'a day as YYYY-MM-DD', description: 'The day to collect (default: yesterday in `timezone`); `--date` overrides it.' },
    credentials: {
      type: 'object',
      additionalProperties: false,
      required: ['user', 'password'],
      description: 'HTTP Basic authentication for SCAN: use ${USERSCAN} and ${PASSWORDSCAN}.',
      properties: { user: { type: 'string' }, password: { type: 'string' } },
    },
    concurrency: { type: 'integer', minimum: 1, maximum: 256, default: 16, description: 'Interfaces fetched at once.' },
    request_timeout: seconds('Seconds one fetch may take before it is retried.', { default: 30 }),
    retries: { type: 'integer', minimum: 0, maximum: 10, default: 3, description: 'Retries of a fetch after a network error, a 5xx or a timeout (exponential backoff with jitter).' },
    tls_verify: { type: 'boolean', default: true, description: 'false accepts a self-signed certificate (the original ran wget --no-check-certificate).' },
    min_completeness: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 0.9,
      'x-expected': 'a share of the day from 0 to 1 such as 0.9',
      description: 'The share of the day\'s expected five-minute samples an interface needs; with fewer it fails and keeps what was stored for it.',
    },
    store: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Where samples and summaries are stored: SQLite (default) or an InfluxDB 1.x database.',
      properties: {
        kind: { enum: ['sqlite', 'influxdb'], default: 'sqlite', description: 'sqlite or influxdb.' },
        path: { type: 'string', minLength: 1, default: 'data/scan.db', 'x-path': true, description: 'The SQLite file (kind sqlite).' },
        url: httpUrl('The InfluxDB HTTP API (kind influxdb); a user and password in it are read as `user` and `password`.', 'http://localhost:8086'),
        database: { type: 'string', minLength: 1, description: 'The InfluxDB database, created when missing (kind influxdb).' },
        user: { type: 'string' },
        password: { type: 'string' },
      },
      if: { properties: { kind: { const: 'influxdb' } }, required: ['kind'] },
      then: { required: ['url', 'database'] },
    },
    archive: archiveDestinationsSchema('Where the SQLite store (`store.path`) is archived after each run that succeeds: copied with SQLite\'s online backup (consistent while written), compressed, its rows counted per table. Needs `store.kind: sqlite`.'),
  },
};
