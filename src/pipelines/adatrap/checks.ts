import { isAbsolute } from 'node:path';
import type { CheckContext, CheckIssue } from '../../core/pipeline.js';
import { SECRET_KEY } from '../../lib/secrets.js';
import { isTimeZone, today } from '../../lib/time-zone.js';
import { KeyPatternError, parseKeyPattern, slotsOf } from './keys.js';
import { EC2_ONLY_KEYS, type AdatrapConfig } from './schema.js';
import { placeholderNames } from './template.js';

// Without connecting to anything: key patterns fit their selection rules, every template names values that will
// exist, the day has begun, and a local run carries no instance settings.
export function checkAdatrap(config: AdatrapConfig, ctx: Pick<CheckContext, 'date'>, now = new Date()): CheckIssue[] {
  const issues: CheckIssue[] = [];
  if (!isTimeZone(config.timezone)) issues.push({ path: ['timezone'], message: `expected "timezone" to be an IANA time zone such as "America/Santiago", got "${config.timezone}"` });
  else {
    const day = ctx.date ?? config.date;
    const local = today(config.timezone, now);
    if (day !== undefined && day >= local) {
      const what = ctx.date === undefined ? '"date"' : '--date';
      issues.push({ path: ctx.date === undefined ? ['date'] : [], message: `expected ${what} to be a day that has ended in ${config.timezone} (today is ${local} there), got "${day}"` });
    }
  }
  const storage = config.storage as unknown as Record<string, unknown>;
  if (storage.user !== undefined || storage.password !== undefined) issues.push({ path: ['storage', 'endpoint'], message: 'expected "storage.endpoint" without credentials in it: put the keys in storage.credentials as ${VAR}s' });

  for (const [name, input] of Object.entries(config.inputs)) {
    try {
      const slots = slotsOf(parseKeyPattern(input.key));
      const needs = input.select === 'latest_on_or_before' ? ['date'] : input.select === 'range_covering' ? ['from', 'to'] : [];
      const lacking = needs.filter((s) => !slots.has(s as 'date'));
      if (lacking.length) issues.push({ path: ['inputs', name, 'key'], message: `expected the key of input "${name}" (select: ${input.select}) to name ${lacking.map((s) => `{${s}}`).join(' and ')}, got "${input.key}"` });
      if (input.select !== 'range_covering' && (slots.has('from') || slots.has('to'))) issues.push({ path: ['inputs', name, 'key'], message: `{from} and {to} belong to select: range_covering; input "${name}" selects ${input.select}` });
    } catch (error) {
      if (!(error instanceof KeyPatternError)) throw error;
      issues.push({ path: ['inputs', name, 'key'], message: `input "${name}": ${error.message}` });
    }
    if (input.as !== undefined) {
      issues.push(...unknownNames(input.as, new Set(['date']), ['inputs', name, 'as']));
      issues.push(...outside(input.as, ['inputs', name, 'as']));
    }
  }
  for (const which of ['executable', 'parameters'] as const) {
    if (/[{}]/.test(config.program[which].key)) issues.push({ path: ['program', which, 'key'], message: `expected program.${which}.key to be a plain key, got "${config.program[which].key}"` });
  }

  const known = new Set(['date', 'work_dir', 'executable', 'parameters']);
  for (const name of Object.keys(config.inputs)) for (const attr of ['', '.key', '.date', '.from', '.to']) known.add(`${name}${attr}`);
  for (const [name, template] of Object.entries(config.program.parameters.values)) {
    issues.push(...unknownNames(template, known, ['program', 'parameters', 'values', name]));
    known.add(name);
  }
  config.run.command.forEach((arg, i) => issues.push(...unknownNames(arg, known, ['run', 'command', i])));
  const dayOnly = new Set(['date']);
  issues.push(...unknownNames(config.outputs.dir, known, ['outputs', 'dir']), ...outside(config.outputs.dir, ['outputs', 'dir']));
  config.outputs.files.forEach((f, i) => issues.push(...unknownNames(f, dayOnly, ['outputs', 'files', i]), ...outside(f, ['outputs', 'files', i])));
  issues.push(...unknownNames(config.archive.key, dayOnly, ['archive', 'key']));

  if (config.run.where === 'local') {
    const run = config.run as unknown as Record<string, unknown>;
    const stray = EC2_ONLY_KEYS.filter((k) => run[k] !== undefined);
    if (stray.length) issues.push({ path: ['run'], message: `${stray.map((k) => `"${k}"`).join(', ')} ${stray.length === 1 ? 'is' : 'are'} for where: ec2; this process runs where: local` });
  }
  if (config.run.where === 'ec2') {
    // The instance's user data is readable by anyone who may describe the instance: no secret goes there.
    const secretLooking = [
      ...Object.keys(config.run.env ?? {}).map((k) => ['run', 'env', k]),
      ...Object.keys(config.program.parameters.values).map((k) => ['program', 'parameters', 'values', k]),
    ].filter((path) => SECRET_KEY.test(path.at(-1)!));
    for (const path of secretLooking) {
      issues.push({ path, message: `${path.join('.')} looks like a secret, and an ec2 run's definition travels in the instance's user data: give the instance its secrets through its role (e.g. SSM Parameter Store)` });
    }
  }
  return issues;
}

// Inputs land, and outputs are read, inside the day's work folder only.
function outside(path: string, at: Array<string | number>): CheckIssue[] {
  if (!isAbsolute(path) && !path.split(/[\\/]/).includes('..')) return [];
  return [{ path: at, message: `expected ${at.join('.')} to be a path inside the work folder, got "${path}"` }];
}

function unknownNames(template: string, known: Set<string>, path: Array<string | number>): CheckIssue[] {
  return placeholderNames(template)
    .filter((n) => !known.has(n))
    .map((n) => ({ path, message: `"{${n}}" names no value here; known: ${[...known].map((k) => `{${k}}`).join(', ')}` }));
}
