import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
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

  it('runs the ADATRAP day alone on a throwaway S3 server: the archive verified from S3, then the day skipped; then removes everything', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', 'adatrap'], { cwd: ROOT, encoding: 'utf8', timeout: 220_000 });
    const output = `${r.stdout}${r.stderr}`;
    expect(r.error).toBeUndefined();
    expect(r.status, output).toBe(0);
    expect(r.stdout).toContain('Configuration is valid: 1 process in 1 file.');
    expect(r.stdout).toMatch(/adatrap_day\s+adatrap\s+SUCCESS\s.*ok \(\d+ checks\)/);
    const sha = /\d+ bytes, SHA-256 ([0-9a-f]{64})/.exec(r.stdout)?.[1];
    expect(sha).toBeDefined();
    expect(r.stdout).toContain(`x-amz-meta-sha256 ${sha}: the same, verified`);
    expect(r.stdout).toContain('19 entries: 2021-04-22.subidas, 2021-04-22.servicios');
    expect(r.stdout).toMatch(/adatrap_day\s+adatrap\s+SKIPPED/);
    expect(r.stdout).toContain('Servers stopped, demo files removed.');
    expect(output).not.toMatch(/^\s+at /m);
    const work = /Validating (\/\S+)\/adatrap-config/.exec(r.stdout)?.[1];
    expect(work).toBeDefined();
    expect(existsSync(work!)).toBe(false);
  });

  it('refuses a part it does not know, in one line', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', 'nope'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('npm run demo: unknown part "nope": npm run demo runs every part, npm run demo -- adatrap the ADATRAP day alone');
  });
});
