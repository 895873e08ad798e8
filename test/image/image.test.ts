import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/cli.js';
import { freePort } from '../helpers/influxd.js';
import { RedisServer } from '../helpers/redis.js';
import { baseImage } from './base-image.js';
import { LABEL, Podman, requireTools } from './podman.js';

// docker/Dockerfile built and run for real, with podman (`npm run test:image`; not part of `npm test`: the first
// build takes minutes). The base image is a local stand-in for node:24 (base-image.ts); podman keeps it and the
// build's layers between runs. Every container and volume started here is removed at the end, pass or fail, and
// at the start (what a killed run left).

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IMAGE = 'localhost/sysadmintoolkit:image-test';
const MAIN = ['node', '/app/dist/main.js'];
const log = (line: string) => process.stdout.write(`[image] ${line}\n`);

let podman: Podman;
let config: string;
let logsConfig: string;

// A scheduled `command` process that writes into the state volume, and shows the environment it got.
const PROCESS_FILE = `write_marker:
  type: command
  schedule: "*/2 * * * * *"
  run:
    shell: echo "written by $$SAT_MARKER at $$(date -u +%FT%TZ)" >> /app/data/marker.txt
`;

// A container of the image, with the label that cleans it up and this machine's network.
const runArgs = (...args: string[]) => ['run', '--label', LABEL, '--network', 'host', ...args];

// Waits for a line in a followed log; fails at once, with the log, if the container ends first.
async function waitForLine(output: { text: () => string; ended: () => boolean }, line: RegExp, ms: number, container: string): Promise<void> {
  await waitFor(
    () => {
      if (line.test(output.text())) return true;
      if (output.ended()) throw new Error(`${container} ended before ${line} appeared in its log:\n${output.text()}`);
      return false;
    },
    ms,
    `${line} in the log of ${container}:\n${output.text()}`,
  );
}

beforeAll(async () => {
  requireTools();
  podman = new Podman();
  await podman.removeLabelled();
  // Readable by the image's user `node` (uid 1000), as a config bind mount must be.
  config = mkdtempSync(join(tmpdir(), 'sat-image-config-'));
  chmodSync(config, 0o755);
  writeFileSync(join(config, 'processes.yaml'), PROCESS_FILE, { mode: 0o644 });
  logsConfig = mkdtempSync(join(tmpdir(), 'sat-image-logs-config-'));
  chmodSync(logsConfig, 0o755);
  writeFileSync(join(logsConfig, 'web.yaml'), 'web:\n  type: logs\n  inputs: ["/app/data/inbox/*.log"]\n  format: nginx-combined\n', { mode: 0o644 });
  const base = await baseImage(podman, log);
  const started = Date.now();
  // --format docker: the OCI image format has no HEALTHCHECK, and podman would drop it.
  await podman.ok(['build', '--format', 'docker', '--network', 'host', '--layers', '-f', 'docker/Dockerfile', '--ignorefile', 'docker/Dockerfile.dockerignore', '--build-arg', `NODE_IMAGE=${base}`, '-t', IMAGE, ROOT]);
  log(`podman build: ${Math.round((Date.now() - started) / 1000)} s`);
}, 1_800_000);

afterAll(async () => {
  await podman?.removeLabelled();
  podman?.dispose();
  for (const dir of [config, logsConfig]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('docker/Dockerfile, built with podman', () => {
  it('runs `main --validate-only` on a read-only config mount, and on docker/config with the variables of .env.example', async () => {
    const mine = await podman.run(runArgs('--rm', '-v', `${config}:/app/config:ro`, IMAGE, '--validate-only', '--config', '/app/config'));
    expect(mine.code, mine.stdout + mine.stderr).toBe(0);
    expect(mine.stdout + mine.stderr).toContain('write_marker');
    const stack = await podman.run(runArgs('--rm', '--env-file', join(ROOT, 'docker/.env.example'), '-v', `${join(ROOT, 'docker/config')}:/app/config:ro`, IMAGE, '--validate-only', '--config', '/app/config'));
    expect(stack.code, stack.stdout + stack.stderr).toBe(0);
    expect(stack.stdout + stack.stderr).toContain('nightly_metrics');
  });

  it('runs its default command, `main schedule`, under tini: a scheduled command process writes into a named volume, the run is in the state store, `main health` and the HEALTHCHECK say healthy, and SIGTERM stops it cleanly', async () => {
    const name = `sat-image-scheduler-${process.pid}`;
    const volume = `sat-image-data-${process.pid}`;
    await podman.ok(['volume', 'create', '--label', LABEL, volume]);
    await podman.ok(runArgs('-d', '--name', name, '--hostname', 'scheduler', '-e', 'SAT_MARKER=the-scheduler', '-v', `${config}:/app/config:ro`, '-v', `${volume}:/app/data`, IMAGE));
    const output = podman.follow(name);
    try {
      await waitForLine(output, /write_marker.*Finished: success/, 120_000, name);

      // PID 1 is tini, and main its child.
      const pid1 = await podman.ok(['exec', name, 'cat', '/proc/1/cmdline']);
      expect(pid1.split('\0').slice(0, 4)).toEqual(['tini', '--', ...MAIN]);

      const health = await podman.run(['exec', name, ...MAIN, 'health', '--state', '/app/data/state.db']);
      expect(health.code, health.stdout + health.stderr).toBe(0);
      expect(health.stdout).toMatch(/^healthy: scheduler pid \d+ on scheduler, heartbeat \d+ s ago, 1 process\(es\)/);
      const check = await podman.run(['healthcheck', 'run', name]);
      expect(check.code, `the image's HEALTHCHECK in ${name}: ${check.stdout}${check.stderr}`).toBe(0);

      const history = JSON.parse(await podman.ok(['exec', name, ...MAIN, 'history', '--json', '--state', '/app/data/state.db'])) as Array<{ processes: Array<{ name: string; status: string; type: string }> }>;
      expect(history.flatMap((r) => r.processes).filter((p) => p.name === 'write_marker' && p.status === 'success' && p.type === 'command').length).toBeGreaterThanOrEqual(1);

      const stopped = await podman.run(['stop', '-t', '60', name]);
      expect(stopped.code, stopped.stderr).toBe(0);
      expect((await podman.ok(['inspect', '--format', '{{.State.ExitCode}}', name])).trim()).toBe('0');
      await waitForLine(output, /Scheduler stopped\./, 10_000, name);
    } finally {
      output.stop();
    }

    // The volume outlives the container: another one reads what the process wrote.
    const marker = await podman.ok(runArgs('--rm', '-v', `${volume}:/data:ro`, '--entrypoint', 'cat', IMAGE, '/data/marker.txt'));
    expect(marker).toMatch(/^written by the-scheduler at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
  });

  it('calls a `main worker` container healthy while it is connected to its queue (no scheduler needed), unhealthy once its Redis is gone', async () => {
    const redis = await RedisServer.start();
    const name = `sat-image-worker-${process.pid}`;
    try {
      await podman.ok(runArgs('-d', '--name', name, '-v', `${config}:/app/config:ro`, IMAGE, 'worker', '--queue', redis.url, '--config', '/app/config', '--state', '/app/data/state.db', '--log-dir', '/app/logs'));
      const output = podman.follow(name);
      try {
        await waitForLine(output, /Worker \S+ taking jobs from/, 60_000, name);
      } finally {
        output.stop();
      }
      const healthy = await podman.run(['healthcheck', 'run', name]);
      expect(healthy.code, `${healthy.stdout}${healthy.stderr}`).toBe(0);
      expect(await lastHealthOutput(name)).toMatch(/^healthy: worker connected to its queue's port \d+/);
    } finally {
      await redis.stop();
    }
    const unhealthy = await podman.run(['healthcheck', 'run', name]);
    expect(unhealthy.code, `${unhealthy.stdout}${unhealthy.stderr}`).not.toBe(0);
    expect(await lastHealthOutput(name)).toMatch(/^unhealthy: worker holds no connection to its queue 127\.0\.0\.1:\d+/);
  });

  it('calls a `main logs serve` container healthy while it listens on its port', async () => {
    const name = `sat-image-logs-${process.pid}`;
    const port = await freePort();
    await podman.ok(runArgs('-d', '--name', name, '-e', 'LOGS_TOKEN=image-test-T0ken-5a1t-0123456789', '-v', `${logsConfig}:/app/config:ro`, IMAGE, 'logs', 'serve', '--host', '127.0.0.1', '--port', String(port), '--inbox', '/app/data/inbox', '--process', 'web', '--config', '/app/config', '--state', '/app/data/state.db', '--log-dir', '/app/logs'));
    const output = podman.follow(name);
    try {
      await waitForLine(output, new RegExp(`Listening on 127\\.0\\.0\\.1:${port}`), 60_000, name);
    } finally {
      output.stop();
    }
    const check = await podman.run(['healthcheck', 'run', name]);
    expect(check.code, `${check.stdout}${check.stderr}`).toBe(0);
    expect(await lastHealthOutput(name)).toBe(`healthy: logs serve listening on port ${port}`);
  });
});

// What the last HEALTHCHECK printed, as `docker inspect` shows it.
async function lastHealthOutput(container: string): Promise<string> {
  const state = JSON.parse(await podman.ok(['inspect', '--format', '{{json .State.Healthcheck}}', container])) as { Log?: Array<{ Output: string }> };
  return state.Log?.at(-1)?.Output.trim() ?? '';
}
