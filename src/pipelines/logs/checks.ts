import { resolve } from 'node:path';
import { isDynamicPattern } from 'tinyglobby';
import { existsSync } from 'node:fs';
import { unwritable } from '../../config/common-checks.js';
import { destinationProblems } from '../../archive/destinations.js';
import { isTimeZone } from '../../lib/time-zone.js';
import type { CheckIssue } from '../../core/pipeline.js';
import { HTTP_FIELDS } from './formats/http.js';
import { groupsOf } from './formats/regex.js';
import { SYSLOG_FIELDS } from './formats/syslog.js';
import type { LogsConfig } from './schema.js';

// Without reading any log: the pattern compiles and has named groups, the cleaning rules name fields the
// format has and compile, the zone exists, and the database can be written.
export function checkLogs(config: LogsConfig, cwd: string): CheckIssue[] {
  const issues: CheckIssue[] = [];
  if (!isTimeZone(config.timezone)) issues.push({ path: ['timezone'], message: `expected "timezone" to be an IANA time zone such as "Europe/Madrid", got "${config.timezone}"` });
  let fields: readonly string[] | undefined;
  if (config.format === 'regex' && config.pattern !== undefined) {
    const groups = groupsOf(config.pattern);
    if ('error' in groups) issues.push({ path: ['pattern'], message: `expected "pattern" to be a regular expression with named groups, got ${JSON.stringify(config.pattern)}: ${groups.error}` });
    else fields = ['time', ...groups.groups];
  } else if (config.pattern !== undefined) {
    issues.push({ path: ['pattern'], message: `"pattern" is only read with format regex, and the format is ${config.format}` });
  }
  if (config.format.startsWith('nginx') || config.format.startsWith('apache')) fields = ['time', ...HTTP_FIELDS];
  if (config.format.startsWith('syslog')) fields = ['time', ...SYSLOG_FIELDS];
  config.exclude.forEach((rule, i) => {
    // jsonl reaches any key of the object, and so does a regex format's data: no list to check against.
    if (fields && config.format !== 'jsonl' && !fields.includes(rule.field)) {
      issues.push({ path: ['exclude', i, 'field'], message: `expected "field" to be one of ${fields.join(', ')} for ${config.format}, got "${rule.field}"` });
    }
    if (rule.regex !== undefined) {
      try {
        new RegExp(rule.regex, rule.ignore_case ? 'i' : '');
      } catch (error) {
        issues.push({ path: ['exclude', i, 'regex'], message: `expected "regex" to be a regular expression, got ${JSON.stringify(rule.regex)}: ${(error as Error).message.replace(/^Invalid regular expression: /, '')}` });
      }
    }
  });
  config.inputs.forEach((input, i) => {
    // A file may arrive before the run (an inbox): a warning, not a refusal.
    if (!isDynamicPattern(input) && !existsSync(resolve(cwd, input))) issues.push({ path: ['inputs', i], message: `input "${input}" does not exist (yet)`, warning: true });
  });
  if (config.archive) issues.push(...destinationProblems(config.archive, ['archive']));
  const db = unwritable(resolve(cwd, config.database));
  if (db) issues.push({ path: ['database'], message: `database "${config.database}" cannot be written: ${db}` });
  return issues;
}
