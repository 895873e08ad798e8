import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkScan } from '../../src/pipelines/scan/checks.js';
import type { ScanConfig } from '../../src/pipelines/scan/schema.js';
import { Workspace } from '../helpers/cli.js';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
  ws.write('sources/SCAN/BORDE', 'https://scan.example/mrtg/a.log;a;10;HUAWEI\n');
});
afterEach(() => ws.remove());

const config: ScanConfig = {
  sources_dir: 'sources/SCAN', layers: ['BORDE'], data_dir: 'data/SCAN', timezone: 'America/Caracas', concurrency: 16,
  request_timeout: 30, retries: 3, tls_verify: true, min_completeness: 0.9, store: { kind: 'sqlite', path: 'data/scan.db' },
};
const NOW = new Date('2026-12-01T02:00:00Z'); // 22:00 on 30 November in Caracas

describe('the checks of a scan process', () => {
  it('refuses a --date that has not begun in the time zone of the process, and takes today and the days before', () => {
    expect(checkScan(config, { cwd: ws.dir, date: '2026-12-01' }, NOW)).toEqual([
      { path: [], message: 'expected --date to be a day that has begun in America/Caracas (today is 2026-11-30 there), got "2026-12-01"' },
    ]);
    expect(checkScan({ ...config, timezone: 'UTC' }, { cwd: ws.dir, date: '2026-12-01' }, NOW)).toEqual([]);
    expect(checkScan(config, { cwd: ws.dir, date: '2026-11-30' }, NOW)).toEqual([]);
  });

  it('refuses a "date" key to come, at the key, unless --date overrides it', () => {
    const later = { ...config, date: '2026-12-24' };
    expect(checkScan(later, { cwd: ws.dir }, NOW)).toEqual([{ path: ['date'], message: 'expected "date" to be a day that has begun in America/Caracas (today is 2026-11-30 there), got "2026-12-24"' }]);
    expect(checkScan(later, { cwd: ws.dir, date: '2026-11-29' }, NOW)).toEqual([]);
  });
});
