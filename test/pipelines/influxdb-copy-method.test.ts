import { describe, expect, it } from 'vitest';
import { rpcAddress, snapshotMisfits } from '../../src/pipelines/influxdb-copy/method.js';
import type { BackupConfig, InfluxCopyConfig } from '../../src/pipelines/influxdb-copy/schema.js';

const server = { url: 'http://admin:S3cret@influx.example:8086', database: 'a', tls_verify: true };
const bc = { mode: 'full', method: 'snapshot', measurements: ['*'], exclude_measurements: [] } as unknown as BackupConfig;
const config = (more: Partial<BackupConfig> = {}): InfluxCopyConfig => ({ source_server: server, destination_server: { ...server, database: 'b' }, backup_config: { ...bc, ...more } });

describe('influxdb-copy method snapshot', () => {
  it('takes the RPC address from `rpc`, else the URL host and 8088, never the URL credentials', () => {
    expect(rpcAddress(server)).toBe('influx.example:8088');
    expect(rpcAddress({ ...server, url: 'http://[::1]:8086' })).toBe('[::1]:8088');
    expect(rpcAddress({ ...server, rpc: '10.0.0.5:9088' })).toBe('10.0.0.5:9088');
  });

  it('fits a full copy of a whole database or one retention policy, nothing narrower', () => {
    expect(snapshotMisfits(config())).toEqual([]);
    expect(snapshotMisfits(config({ retention_policies: ['autogen'] }))).toEqual([]);
    expect(snapshotMisfits(config({ mode: 'incremental', exclude_measurements: ['x'], start: '2026-01-01T00:00:00Z', retention_policies: ['a', 'b'] }))).toEqual([
      '"mode: full" is needed (it copies whole shards, not what is new since the last run), got mode "incremental"',
      '"exclude_measurements" must be left out (it copies every measurement)',
      '"start" and "end" must be left out (it copies the whole time range)',
      '"retention_policies" may name one at most (it copies the whole database or one retention policy), got 2',
    ]);
    expect(snapshotMisfits({ ...config(), destination_server: undefined })).toEqual(['"destination_server" is needed (it restores into a server)']);
  });
});
