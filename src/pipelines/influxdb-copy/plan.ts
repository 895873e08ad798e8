import { PermanentError } from '../../lib/influx-http.js';
import type { PipelineContext } from '../../core/pipeline.js';
import { unwritableMeasurement } from './lines.js';
import { sameRegex, type Name } from './names.js';
import type { BackupConfig } from './schema.js';
import type { InfluxServer, RetentionPolicy } from './server.js';
import { computedLayout, goDurationNs, listedLayout, type ShardLayout } from './shards.js';

export interface CopyItem {
  rp: string;
  measurement: Name;
  /** Where the source's shard groups of `rp` are. */
  layout: ShardLayout;
  /** Why the measurement cannot be copied at all, found before reading it. */
  unwritable?: string;
  /** Other measurements its queries also read (names InfluxQL cannot quote, alike but for their stray bytes). */
  twins: Name[];
}

// What to copy: the selected retention policies (created on the destination when missing) × every measurement the
// source lists that the selection names, each known by its bytes.
export async function planCopy(src: InfluxServer, dst: InfluxServer, bc: BackupConfig, ctx: PipelineContext): Promise<CopyItem[]> {
  await Promise.all([src.ping(), dst.ping()]);
  return (await planSource(src, bc, ctx, (rps) => prepareDestination(dst, rps, ctx))).items;
}

// The source's side of a plan: the selected retention policies and the items to read. `beforeReading` runs once the
// policies are known (the copy prepares its destination there). The source has been reached (`ping`).
export async function planSource(src: InfluxServer, bc: BackupConfig, ctx: PipelineContext, beforeReading?: (rps: RetentionPolicy[]) => Promise<void>): Promise<{ rps: RetentionPolicy[]; items: CopyItem[] }> {
  if (!(await src.databases()).includes(src.database)) throw new PermanentError(`the source has no database "${src.database}"`);
  const rps = selectRetentionPolicies(await src.retentionPolicies(), bc.retention_policies);
  await beforeReading?.(rps);
  const layouts = await shardLayouts(src, rps, ctx);
  const all = await src.measurements();
  const measurements = all.filter((m) => matchesAny(m.text, bc.measurements) && !matchesAny(m.text, bc.exclude_measurements));
  return { rps, items: rps.flatMap((rp) => measurements.map((measurement) => ({ rp: rp.name, measurement, layout: layouts.get(rp.name)!, unwritable: unwritableName(measurement), twins: sameRegex(measurement, all) }))) };
}

// The destination database, and each selected retention policy with the source's duration and shard duration:
// a field whose type changed between shard groups fits only if the destination's groups are no wider.
export async function prepareDestination(dst: InfluxServer, rps: RetentionPolicy[], ctx: Pick<PipelineContext, 'log'>): Promise<void> {
  const created = !(await dst.databases()).includes(dst.database);
  if (created) {
    ctx.log.info(`Creating database "${dst.database}" on the destination.`);
    await dst.createDatabase();
  }
  const existing = new Map((await dst.retentionPolicies()).map((rp) => [rp.name, rp]));
  for (const rp of rps) {
    const there = existing.get(rp.name);
    const same = there && goDurationNs(there.duration) === goDurationNs(rp.duration) && goDurationNs(there.shardGroupDuration) === goDurationNs(rp.shardGroupDuration);
    const what = `(duration ${rp.duration}, shard duration ${rp.shardGroupDuration}${rp.default ? ', default' : ''})`;
    if (!there) {
      ctx.log.info(`Creating retention policy "${rp.name}" on the destination ${what}.`);
      await dst.createRetentionPolicy(rp);
    } else if (!same && created) {
      // The server gave the new database its own default policy: it holds nothing yet, so it takes the source's.
      ctx.log.info(`Setting retention policy "${rp.name}" of the new database as on the source ${what}.`);
      await dst.createRetentionPolicy(rp, 'ALTER');
    } else if (!same) {
      ctx.log.warn(`Retention policy "${rp.name}" differs on the destination (duration ${there.duration} vs ${rp.duration}, shard duration ${there.shardGroupDuration} vs ${rp.shardGroupDuration}); it is left as it is.`);
    }
  }
}

// SHOW SHARDS when this user may (an admin), else groups computed from each policy's shard duration.
export async function shardLayouts(server: InfluxServer, rps: RetentionPolicy[], ctx: Pick<PipelineContext, 'log'>): Promise<Map<string, ShardLayout>> {
  const listed = await server.shardGroups();
  if (!listed) ctx.log.debug(`The ${server.side}'s user may not run SHOW SHARDS: its shard groups are computed from each retention policy's shard duration.`);
  return new Map(rps.map((rp) => {
    const duration = goDurationNs(rp.shardGroupDuration);
    const groups = listed?.get(rp.name);
    return [rp.name, groups ? listedLayout(groups, duration) : computedLayout(duration)];
  }));
}

function unwritableName(m: Name): string | undefined {
  const why = unwritableMeasurement(m.bytes);
  return why && `measurement "${m.text}" cannot be written in line protocol (${why}); exclude it with exclude_measurements`;
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
