import type { CheckIssue } from '../../core/pipeline.js';
import type { InfluxCopyConfig, ServerConfig } from './schema.js';

// What `method: snapshot` cannot do: influxd backup and restore move a whole database (or one retention policy) as
// shard files, into a database the destination does not have yet. Said at validation for snapshot; auto uses http.
export function snapshotLimits(config: InfluxCopyConfig): CheckIssue[] {
  return snapshotMisfits(config).map((why) => ({ path: ['backup_config', 'method'], message: `method "snapshot" cannot be used here: ${why}; or use method "http"` }));
}

export function snapshotMisfits(config: InfluxCopyConfig): string[] {
  const bc = config.backup_config;
  const why: string[] = [];
  if (!config.destination_server) why.push('"destination_server" is needed (it restores into a server)');
  if (bc.mode !== 'full') why.push(`"mode: full" is needed (it copies whole shards, not what is new since the last run), got mode "${bc.mode}"`);
  if (bc.measurements.some((m) => m !== '*')) why.push(`"measurements" must be left out (it copies every measurement), got ${JSON.stringify(bc.measurements)}`);
  if (bc.exclude_measurements.length) why.push('"exclude_measurements" must be left out (it copies every measurement)');
  if (bc.start !== undefined || bc.end !== undefined) why.push('"start" and "end" must be left out (it copies the whole time range)');
  if ((bc.retention_policies?.length ?? 0) > 1) why.push(`"retention_policies" may name one at most (it copies the whole database or one retention policy), got ${bc.retention_policies!.length}`);
  return why;
}

// influxd's RPC address for backup and restore: `rpc`, else the URL's host and InfluxDB's default RPC port. Never
// the URL's user or password (the RPC port takes none).
export function rpcAddress(server: ServerConfig): string {
  return server.rpc ?? `${new URL(server.url).hostname}:8088`;
}
