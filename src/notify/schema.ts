import { httpUrl, seconds } from '../lib/schema-parts.js';
import type { JsonSchema } from '../core/pipeline.js';

// What an alert says happened to a process (events.ts decides which, from the last one sent).
export const ALERT_EVENTS = ['failure', 'recovery', 'success'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

interface NotifierBase {
  on: AlertEvent[];
  /** Seconds one alert may take, retries included. */
  timeout: number;
}
export interface WebhookNotifier extends NotifierBase {
  type: 'webhook';
  url: string;
  user?: string;
  password?: string;
  secret?: string;
}
export interface ChatNotifier extends NotifierBase {
  type: 'slack' | 'teams';
  webhook: string;
}
export interface EmailNotifier extends NotifierBase {
  type: 'email';
  host: string;
  port: number;
  secure: boolean;
  starttls: 'required' | 'if-offered' | 'never';
  tls_verify: boolean;
  user?: string;
  password?: string;
  from: string;
  to: string[];
}
export type Notifier = WebhookNotifier | ChatNotifier | EmailNotifier;

const common: Record<string, JsonSchema> = {
  on: {
    type: 'array',
    minItems: 1,
    uniqueItems: true,
    items: { enum: [...ALERT_EVENTS], 'x-expected': 'one of failure, recovery, success' },
    default: ['failure', 'recovery'],
    description: 'When to alert: failure (the process starts failing; not again while it keeps failing), recovery (it succeeds after an alerted failure), success (every success).',
  },
  timeout: seconds('Seconds one alert may take, its retries included; then it counts as failed.', { default: 30, maximum: 300 }),
};

// A Slack or Teams URL is the credential itself: the key's name (`webhook`) makes it a secret everywhere
// (lib/secrets.ts), and a pattern rather than `x-url` keeps it out of validation messages.
const webhookUrl = (where: string, example: string): JsonSchema => ({
  type: 'string',
  pattern: '^https?://[^\\s/?#]+[^\\s]*$',
  'x-expected': `the webhook URL ${where} gives (${example})`,
  description: `The webhook URL ${where} gives; use \${VAR}. A secret: never logged nor shown.`,
});

const address = { type: 'string', pattern: '^(?:[^<>]*<[^\\s@<>]+@[^\\s@<>]+>|[^\\s@<>]+@[^\\s@<>]+)$', 'x-expected': 'an e-mail address such as "ops@example.com"' };

const kinds: Record<string, { required: string[]; properties: Record<string, JsonSchema> }> = {
  webhook: {
    required: ['url'],
    properties: {
      url: httpUrl('Where the alert is POSTed as JSON; a user and password in it are read as `user` and `password` (HTTP basic authentication).', 'https://alerts.example.com/hook'),
      user: { type: 'string', description: 'User for HTTP basic authentication.' },
      password: { type: 'string', description: 'Password; use ${VAR}. Never logged.' },
      secret: { type: 'string', minLength: 1, description: 'Signs each alert: header X-SysAdminToolkit-Signature is sha256=HMAC-SHA256(secret, "<timestamp>.<body>") in hex (docs/notify.md). Use ${VAR}.' },
    },
  },
  slack: { required: ['webhook'], properties: { webhook: webhookUrl('a Slack app\'s incoming webhook', 'https://hooks.slack.com/services/…') } },
  teams: { required: ['webhook'], properties: { webhook: webhookUrl('a Teams workflow "When a Teams webhook request is received"', 'https://….powerplatform.com/…') } },
  email: {
    required: ['host', 'from', 'to'],
    properties: {
      host: { type: 'string', minLength: 1, description: 'SMTP server.' },
      port: { type: 'integer', minimum: 1, maximum: 65535, default: 587, description: 'SMTP port: 587 (submission, STARTTLS), 465 with `secure: true`, 25 for a local relay.' },
      secure: { type: 'boolean', default: false, description: 'true: TLS from the first byte (port 465). false: plain, upgraded by STARTTLS as `starttls` says.' },
      starttls: {
        enum: ['required', 'if-offered', 'never'],
        default: 'if-offered',
        'x-expected': 'one of required, if-offered, never',
        description: 'Without `secure`: required (refuse a server that offers no STARTTLS), if-offered (upgrade when the server offers it; with a `password`, required), never.',
      },
      tls_verify: { type: 'boolean', default: true, description: "false accepts the server's self-signed certificate." },
      user: { type: 'string', minLength: 1, description: 'SMTP user; use ${VAR}.' },
      password: { type: 'string', description: 'SMTP password; use ${VAR}. Never logged.' },
      from: { ...address, description: 'Sender: "ops@example.com" or "Backups <ops@example.com>".' },
      to: { type: 'array', minItems: 1, items: address, description: 'Recipients.' },
    },
  },
};

// `notify:` of a process: a list of notifiers, each told of the process's result after the run. Shared with the
// defaults that apply to every process (one schema, one set of defaults).
export const notifySchema: JsonSchema = {
  type: 'array',
  description: 'Alerts about this process after each run (docs/notify.md): by default when it starts failing and when it recovers. A notifier that fails is logged and counted, and never changes the process\'s status.',
  items: {
    type: 'object',
    required: ['type'],
    properties: { type: { enum: Object.keys(kinds), 'x-expected': `one of ${Object.keys(kinds).join(', ')}` } },
    allOf: Object.entries(kinds).map(([type, kind]) => ({
      if: { properties: { type: { const: type } }, required: ['type'] },
      then: { type: 'object', additionalProperties: false, required: kind.required, properties: { type: { const: type }, ...kind.properties, ...common } },
    })),
  },
};
