import type { JsonSchema } from '../../core/pipeline.js';
import { archiveDestinationsSchema, type ArchiveDestinations } from '../../archive/destinations.js';

export const FORMATS = ['nginx-combined', 'apache-common', 'apache-combined', 'syslog-rfc3164', 'syslog-rfc5424', 'jsonl', 'regex'] as const;
export type Format = (typeof FORMATS)[number];

// A cleaning rule: an entry whose field matches is left out of storage and statistics, and counted.
export interface ExcludeRule {
  name?: string;
  field: string;
  equals?: string | number;
  in?: Array<string | number>;
  regex?: string;
  ignore_case: boolean;
}

export interface LogsConfig {
  inputs: string[];
  format: Format;
  pattern?: string;
  fields: { time: string[]; level: string[]; message: string[] };
  timezone: string;
  database: string;
  reports_dir: string;
  exclude: ExcludeRule[];
  top: number;
  patterns: { enabled: boolean; similarity: number; max_templates: number };
  anomalies: { min_entries: number; z: number };
  max_line_bytes: number;
  archive?: ArchiveDestinations;
}

const fieldNames = (fallback: string[], what: string) => ({
  type: 'array',
  minItems: 1,
  items: { type: 'string', minLength: 1 },
  default: fallback,
  description: `jsonl: the keys tried, in order, for the ${what} (dotted paths such as "log.level" reach into objects).`,
});

export const logsSchema: JsonSchema = {
  type: 'object',
  required: ['inputs', 'format'],
  properties: {
    inputs: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', minLength: 1, 'x-path': true },
      description: 'Log files or globs ("/var/log/nginx/access.log*"); .gz files are read transparently. Relative paths start at the project folder.',
    },
    format: { enum: [...FORMATS], description: 'How a line is read; `regex` takes `pattern`.' },
    pattern: {
      type: 'string',
      minLength: 1,
      'x-expected': 'a regular expression with named groups such as (?<time>…)',
      description: 'format regex: a JavaScript regular expression with named groups. time, client, method, path, status, bytes, host, app, level and message are stored in columns; other groups in a JSON column.',
    },
    fields: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'jsonl: where the time, the level and the message are in each object.',
      properties: {
        time: fieldNames(['time', 'timestamp', '@timestamp', 'ts'], 'time'),
        level: fieldNames(['level', 'severity', 'lvl'], 'level'),
        message: fieldNames(['message', 'msg'], 'message'),
      },
    },
    timezone: { type: 'string', minLength: 1, default: 'UTC', 'x-expected': 'an IANA time zone such as "Europe/Madrid"', description: 'The zone of timestamps that carry none (syslog-rfc3164, regex without an offset).' },
    database: { type: 'string', minLength: 1, default: 'data/logs.db', 'x-path': true, description: 'The SQLite file entries, files, rejects and run statistics go to.' },
    reports_dir: { type: 'string', minLength: 1, default: 'data/reports/logs', 'x-path': true, description: 'Where the JSON, Markdown and HTML reports of each run that read new lines go (<process>/<run id>.json|md|html).' },
    exclude: {
      type: 'array',
      default: [],
      description: 'Cleaning rules: an entry whose `field` equals a value, is `in` a list, or matches `regex` is not stored, and is counted per rule.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['field'],
        properties: {
          name: { type: 'string', minLength: 1, description: 'What the rule is for, as the report counts it (default: the rule itself).' },
          field: { type: 'string', minLength: 1, description: 'A field of the format (path, user_agent, client, status, app, host, message …).' },
          equals: { type: ['string', 'number'] },
          in: { type: 'array', minItems: 1, items: { type: ['string', 'number'] } },
          regex: { type: 'string', minLength: 1 },
          ignore_case: { type: 'boolean', default: false },
        },
        oneOf: [{ required: ['equals'] }, { required: ['in'] }, { required: ['regex'] }],
        'x-expected': 'one of "equals", "in" or "regex"',
      },
    },
    top: { type: 'integer', minimum: 1, maximum: 1000, default: 10, description: 'How many paths, clients, user agents, hosts and applications the report lists.' },
    patterns: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Message templates mined from free-text messages (Drain).',
      properties: {
        enabled: { type: 'boolean', default: true },
        similarity: { type: 'number', minimum: 0.1, maximum: 1, default: 0.5, description: 'The share of tokens a message must have in common with a template to join it.' },
        max_templates: { type: 'integer', minimum: 10, maximum: 100000, default: 1000, description: 'Templates kept in memory; the least recently seen go first.' },
      },
    },
    anomalies: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Hours whose error rate stands out from the day\'s.',
      properties: {
        min_entries: { type: 'integer', minimum: 1, default: 30, description: 'Hours with fewer entries are not judged.' },
        z: { type: 'number', exclusiveMinimum: 0, default: 3, description: 'How many standard errors above the overall rate an hour must be.' },
      },
    },
    max_line_bytes: { type: 'integer', minimum: 256, maximum: 16777216, default: 65536, description: 'Longer lines are rejected (their first bytes are kept in the rejects table).' },
    archive: archiveDestinationsSchema('Where the logs database (`database`) is archived after each run that succeeds: copied with SQLite\'s online backup (consistent while written), compressed, its rows counted per table.'),
  },
  if: { properties: { format: { const: 'regex' } }, required: ['format'] },
  then: { required: ['pattern'] },
};
