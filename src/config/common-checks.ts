import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { archivePlacesOf } from '../archive/places.js';
import { cronProblem } from '../lib/cron.js';
import { isTimeZone } from '../lib/time-zone.js';
import { monitoringChecks } from '../monitoring/checks.js';
import type { CheckIssue } from '../core/pipeline.js';
import type { ProcessSpec } from '../core/process.js';

// Checks every kind shares: a schedule cron understands, a log file that can be written, monitoring names, and
// `retention:` only where there are archives to keep. `given`: the keys the process took from the shared defaults.
export function commonChecks(spec: ProcessSpec, cwd: string, given: readonly string[] = []): CheckIssue[] {
  const issues: CheckIssue[] = [];
  // Written in the process's own file (from the defaults it applies only to those that archive): a rule that
  // could keep or delete nothing is a mistake the user expects to hear of, not a prune that silently never runs.
  if (spec.config.retention !== undefined && !given.includes('retention') && archivePlacesOf(spec.config, cwd).length === 0) {
    const key = ARCHIVE_KEY[spec.type];
    const message = key
      ? `"retention" keeps and deletes this process's archives, and it writes none: give it an archive place (${key}) or remove "retention"`
      : `"retention" keeps and deletes a process's archives, and a process of kind "${spec.type}" writes none: remove "retention"`;
    issues.push({ path: ['retention'], atKey: true, message });
  }
  if (spec.schedule !== undefined) {
    const written = typeof spec.config.schedule === 'string';
    const why = cronProblem(spec.schedule.cron);
    if (why) issues.push({ path: written ? ['schedule'] : ['schedule', 'cron'], message: `expected "${written ? 'schedule' : 'cron'}" to be a cron expression such as "0 4 * * *" (seconds optional), got "${spec.schedule.cron}": ${why}` });
    const zone = spec.schedule.timezone;
    if (zone !== undefined && !isTimeZone(zone)) issues.push({ path: ['schedule', 'timezone'], message: `expected "timezone" to be an IANA time zone such as "America/Caracas", got "${zone}"` });
  }
  const file = spec.logging?.file;
  if (file !== undefined) {
    const problem = unwritable(resolve(cwd, file));
    if (problem) issues.push({ path: ['logging', 'file'], message: `log file "${file}" cannot be written: ${problem}` });
  }
  issues.push(...monitoringChecks(spec));
  return issues;
}

// Why a file could not be created or appended to, without creating anything.
export function unwritable(file: string): string | undefined {
  try {
    if (statSync(file).isDirectory()) return 'it is a folder';
    accessSync(file, constants.W_OK);
    return undefined;
  } catch (error) {
    if (!missing(error)) return (error as Error).message;
  }
  // The file does not exist yet: the nearest existing folder above it must be writable.
  let dir = dirname(file);
  for (;;) {
    try {
      if (!statSync(dir).isDirectory()) return `"${dir}" is not a folder`;
      accessSync(dir, constants.W_OK);
      return undefined;
    } catch (error) {
      if (!missing(error)) return `folder "${dir}" is not writable`;
    }
    const up = dirname(dir);
    if (up === dir) return 'no folder above it exists';
    dir = up;
  }
}

// Not there: ENOENT, or ENOTDIR when something above it is a file (the walk up finds which).
function missing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

// Where each kind names its archive places (docs/archives.md).
const ARCHIVE_KEY: Record<string, string> = {
  'influxdb-copy': '`destination_archive:`',
  scan: '`archive:`',
  logs: '`archive:`',
  command: '`archive: { paths, to }`',
};
