import { DURATION_PATTERN } from './duration.js';
import { TIMER_MAX_MS } from './long-timeout.js';
import type { JsonSchema } from '../core/pipeline.js';

// Seconds that one Node.js timer or socket timeout waits: at most 2147483, about 24.8 days.
export const TIMER_MAX_SECONDS = Math.floor(TIMER_MAX_MS / 1000);
// Seconds that are waited in steps (setLongTimeout): a process or a step may be given up to a year.
export const LONG_MAX_SECONDS = 366 * 86_400;

export interface SecondsOptions {
  default?: number;
  /** Below TIMER_MAX_SECONDS: a limit of the kind's own. */
  maximum?: number;
  /** The wait is taken in steps (setLongTimeout), so it may be longer than one timer holds. */
  long?: boolean;
}

// A duration above 0: the one place a duration gets its maximum, and the words that say why. A number is seconds; a
// string is a duration with units ("30s", "5m", "2h30m", "1d"), which validation (the `x-duration` keyword) turns
// into its seconds, so that a runner only ever sees a number.
export function seconds(description: string, options: SecondsOptions = {}): JsonSchema {
  const maximum = options.long ? LONG_MAX_SECONDS : Math.min(options.maximum ?? TIMER_MAX_SECONDS, TIMER_MAX_SECONDS);
  const why = options.long ? 'seconds: a year; leave the key out for no limit' : maximum === TIMER_MAX_SECONDS ? 'seconds: about 24.8 days, the longest a Node.js timer can wait' : 'seconds';
  return {
    type: ['number', 'string'],
    exclusiveMinimum: 0,
    maximum,
    // For editors, which know no x-duration: the strings that are durations.
    pattern: DURATION_PATTERN,
    'x-duration': true,
    'x-why': why,
    ...(options.default !== undefined ? { default: options.default } : {}),
    description: `${description} A number of seconds, or a duration with units s, m, h, d: "30s", "5m", "2h30m", "1d".`,
  };
}

// An http:// or https:// URL. Validation takes its credentials apart (into the sibling `user` and `password`,
// which every object with such a URL has), so that no URL a runner sees holds a password.
export function httpUrl(description: string, example: string): JsonSchema {
  return { type: 'string', 'x-url': ['http', 'https'], 'x-expected': `an http:// or https:// URL such as "${example}"`, description };
}

// The keys that reach an S3 service (AWS, or an S3-compatible one on `endpoint`), for every schema that names one.
export function s3Service(): Record<string, JsonSchema> {
  return {
    region: { type: 'string', minLength: 1, description: 'e.g. "us-east-1".' },
    endpoint: httpUrl('An S3-compatible service; AWS when absent.', 'http://127.0.0.1:9000'),
    force_path_style: { type: 'boolean', default: false, description: 'Path-style addressing (host/bucket/key), which most S3-compatible services need.' },
    credentials: {
      type: 'object',
      additionalProperties: false,
      required: ['access_key_id', 'secret_access_key'],
      description: 'Keys, as ${VAR}s. Leave out to use the AWS default chain (environment, ~/.aws, an instance role).',
      properties: { access_key_id: { type: 'string', minLength: 1 }, secret_access_key: { type: 'string', minLength: 1 }, session_token: { type: 'string', minLength: 1 } },
    },
    retries: { type: 'integer', minimum: 0, maximum: 10, default: 4, description: "Retries of a request after a throttle, a 5xx or a network error (the SDK's exponential backoff with jitter)." },
  };
}
