import type { LogsConfig } from '../schema.js';
import type { LineFormat } from './entry.js';
import { httpFormat } from './http.js';
import { jsonl } from './jsonl.js';
import { regexFormat } from './regex.js';
import { syslog3164, syslog5424 } from './syslog.js';

export type { Entry, Family, LineFormat } from './entry.js';

// The reader of the process's `format`.
export function formatOf(config: LogsConfig, now = Date.now()): LineFormat {
  switch (config.format) {
    case 'nginx-combined':
    case 'apache-combined':
    case 'apache-common':
      return httpFormat(config.format);
    case 'syslog-rfc3164':
      return syslog3164(config.timezone, now);
    case 'syslog-rfc5424':
      return syslog5424(config.timezone);
    case 'jsonl':
      return jsonl(config.fields, config.timezone);
    case 'regex':
      return regexFormat(config.pattern!, config.timezone, now);
  }
}
export { SEVERITIES } from './entry.js';
