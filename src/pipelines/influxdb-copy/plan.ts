import type { PipelineContext } from '../types.js';
import { PermanentError } from '../../lib/influx-http.js';
import type { BackupConfig } from './schema.js';
import type { InfluxServer, RetentionPolicy } from './server.js';

export interface CopyItem {
  rp: string;
  measurement: string;
}

// What to copy: the selected retention policies (created on the destination when missing) × the selected measurements.
export async function planCopy(src: InfluxServer, dst: InfluxServer, bc: BackupConfig, ctx: PipelineContext): Promise<CopyItem[]> {
  await Promise.all([src.ping(), dst.ping()]);
  if (!(await src.databases()).includes(src.database)) throw new PermanentError(`the source has no database "${src.database}"`);
  if (!(await dst.databases()).includes(dst.database)) {
    ctx.log.info(`Creating database "${dst.database}" on the destination.`);
    await dst.createDatabase();
  }
  const rps = selectRetentionPolicies(await src.retentionPolicies(), bc.retention_policies);
  const existing = new Map((await dst.retentionPolicies()).map((rp) => [rp.name, rp]));
  for (const rp of rps) {
    const there = existing.get(rp.name);
    if (!there) {
      ctx.log.info(`Creating retention policy "${rp.name}" on the destination (duration ${rp.duration}, shard duration ${rp.shardGroupDuration}${rp.default ? ', default' : ''}).`);
      await dst.createRetentionPolicy(rp);
    } else if (there.duration !== rp.duration || there.shardGroupDuration !== rp.shardGroupDuration) {
      ctx.log.warn(`Retention policy "${rp.name}" differs on the destination (duration ${there.duration} vs ${rp.duration}); it is left as it is.`);
    }
  }
  const measurements = (await src.measurements()).filter((m) => matchesAny(m, bc.measurements) && !matchesAny(m, bc.exclude_measurements));
  // Line protocol reads a line starting with # as a comment: the server would answer 204 and store nothing.
  const unwritable = measurements.filter((m) => m.startsWith('#'));
  if (unwritable.length) throw new PermanentError(`measurement ${unwritable.map((m) => `"${m}"`).join(', ')} cannot be written in line protocol (a line starting with # is a comment); exclude it with exclude_measurements`);
  return rps.flatMap((rp) => measurements.map((measurement) => ({ rp: rp.name, measurement })));
}

function selectRetentionPolicies(all: RetentionPolicy[], wanted: string[] | undefined): RetentionPolicy[] {
  if (!wanted) return all;
  const unknown = wanted.filter((name) => !all.some((rp) => rp.name === name));
  if (unknown.length) throw new PermanentError(`the source database has no retention policy ${unknown.map((n) => `"${n}"`).join(', ')}; it has ${all.map((rp) => `"${rp.name}"`).join(', ')}`);
  return all.filter((rp) => wanted.includes(rp.name));
}

// Shell-style globs: * any run of characters, ? one character; everything else literal.
export function matchesAny(name: string, globs: readonly string[]): boolean {
  return globs.some((glob) => new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's').test(name));
}
