import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run demo', () => {
  // A PATH that holds node and nothing else: influxd cannot be found on it.
  const bin = mkdtempSync(join(tmpdir(), 'sat-demo-path-'));
  symlinkSync(process.execPath, join(bin, 'node'));
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  it('without influxd on PATH, says how to install it and exits 1, with no stack trace', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], { cwd: ROOT, env: { ...process.env, PATH: bin }, encoding: 'utf8', timeout: 60_000 });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('influxd (InfluxDB 1.x) is not on PATH');
    expect(r.stderr).toContain('apt-get install influxdb influxdb-client');
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/^\s+at /m);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
