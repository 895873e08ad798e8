import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CheckContext, CheckIssue } from '../../core/pipeline.js';
import { isTimeZone } from '../../lib/time-zone.js';
import { destinationProblems } from '../../archive/destinations.js';
import { today } from './day.js';
import type { ScanConfig } from './schema.js';
import { readLayer } from './sources.js';

// Without fetching anything: the time zone exists, the day has begun there, the sources folder exists, and its files parse.
export function checkScan(config: ScanConfig, ctx: Pick<CheckContext, 'cwd' | 'date'>, now = new Date()): CheckIssue[] {
  const issues: CheckIssue[] = [];
  if (config.archive) {
    issues.push(...destinationProblems(config.archive, ['archive']));
    if (config.store.kind !== 'sqlite') issues.push({ path: ['archive'], message: `"archive" copies the SQLite store, and store.kind is "${config.store.kind}": archive an InfluxDB database with an influxdb-copy process` });
  }
  if (!isTimeZone(config.timezone)) issues.push({ path: ['timezone'], message: `expected "timezone" to be an IANA time zone such as "America/Caracas", got "${config.timezone}"` });
  else issues.push(...futureDay(config, ctx.date, now));
  const dir = resolve(ctx.cwd, config.sources_dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [...issues, { path: ['sources_dir'], message: `sources folder "${config.sources_dir}" does not exist` }];
  let found = 0;
  for (const layer of config.layers) {
    const { problems, missing, interfaces } = readLayer(dir, layer);
    if (!missing) found++;
    // A bad line is skipped at run time (and counted as rejected): a warning here, not a reason to refuse.
    for (const p of problems) issues.push({ path: ['sources_dir'], message: `${config.sources_dir}/${layer}:${p.line}: ${p.message}; the line will be skipped`, warning: true });
    if (!missing && interfaces.length === 0 && problems.length === 0) issues.push({ path: ['sources_dir'], message: `${config.sources_dir}/${layer} lists no interface` });
  }
  if (found === 0) issues.push({ path: ['layers'], message: `none of the layers ${config.layers.join(', ')} has a source file in "${config.sources_dir}"` });
  return issues;
}

// A day that has not begun in the process's time zone has nothing to collect: refused before anything is fetched.
function futureDay(config: ScanConfig, cliDate: string | undefined, now: Date): CheckIssue[] {
  const date = cliDate ?? config.date;
  const local = today(config.timezone, now);
  if (date === undefined || date <= local) return [];
  const what = cliDate === undefined ? '"date"' : '--date';
  return [{ path: cliDate === undefined ? ['date'] : [], message: `expected ${what} to be a day that has begun in ${config.timezone} (today is ${local} there), got "${date}"` }];
}
