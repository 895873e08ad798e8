import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { runCli, startCli, waitFor, Workspace, EVENT_MS, cliStartMs } from '../helpers/cli.js';
import { freePort, Influxd } from '../helpers/influxd.js';

let influx: Influxd;
let ws: Workspace;
beforeAll(async () => void (influx = await Influxd.start({ user: 'admin', password: 'monitor-pass-7731' })), 60_000);
afterAll(async () => influx?.stop());
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

const monitoring = (url: string, extra = '') => `  monitoring: { url: "${url}", database: backups_monitoring, user: admin, password: "\${MON_PASSWORD}"${extra} }\n`;

async function run(files: string, env: NodeJS.ProcessEnv = { MON_PASSWORD: 'monitor-pass-7731' }) {
  ws.write('config/jobs.yaml', files);
  const started = Date.now();
  const { code, stdout, stderr } = await runCli(['--json'], { cwd: ws.dir, env });
  return { code, summary: JSON.parse(stdout) as RunSummary, stderr, ms: Date.now() - started };
}

type Row = Record<string, unknown>;
async function points(): Promise<Row[]> {
  const result = await influx.query('SELECT * FROM backup_runs', 'backups_monitoring');
  const series = result.results?.[0]?.series?.[0];
  if (!series) return [];
  return (series.values as unknown[][]).map((v) => Object.fromEntries((series.columns as string[]).map((c, i) => [c, v[i]])));
}

describe('monitoring: a point per process in InfluxDB', () => {
  it('writes status, duration, records, integrity and the run id of every process, skipped ones too, creating the database', async () => {
    const { code, summary } = await run(
      `archive:
  type: command
  run: { shell: "echo data > out.txt" }
  verify: { argv: [test, -s, out.txt] }
${monitoring(influx.url, ', tags: { site: caracas }')}broken:
  type: command
  run: { argv: ["false"] }
${monitoring(influx.url)}downstream:
  type: command
  after: [broken]
  run: { argv: ["true"] }
${monitoring(influx.url)}`,
    );
    expect(code).toBe(1);
    const rows = await points();
    const byName = Object.fromEntries(rows.map((r) => [r.process, r]));
    expect(Object.keys(byName).sort()).toEqual(['archive', 'broken', 'downstream']);
    for (const p of summary.processes) {
      const row = byName[p.name]!;
      expect(row.status).toBe(p.status);
      expect(row.type).toBe('command');
      expect(row.run_id).toBe(summary.runId);
      expect(row.duration_ms).toBe(p.durationMs);
      expect(row.failed).toBe(p.status === 'success' || p.status === 'skipped' ? 0 : 1);
      expect(typeof row.host).toBe('string');
    }
    expect(byName.archive).toMatchObject({ status: 'success', site: 'caracas', integrity_ok: true, integrity_failed_checks: 0 });
    expect(byName.broken).toMatchObject({ status: 'failed', error_code: summary.processes.find((p) => p.name === 'broken')!.error!.code });
    expect(byName.downstream).toMatchObject({ status: 'skipped', error_code: 'E_SKIPPED' });
  });

  it('never fails the backup: a monitoring server that refuses, rejects the password or never answers is logged, and the run succeeds', async () => {
    const refused = `http://127.0.0.1:${await freePort()}`;
    // Accepts the connection and never answers: the write's timeout bounds the wait.
    const sockets = new Set<Socket>();
    const silent: Server = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    try {
      const { code, summary, stderr, ms } = await run(
        `refused:\n  type: command\n  run: { argv: ["true"] }\n${monitoring(refused)}` +
          `wrong_password:\n  type: command\n  run: { argv: ["true"] }\n${monitoring(influx.url).replace('${MON_PASSWORD}', 'not-the-password')}` +
          `silent:\n  type: command\n  run: { argv: ["true"] }\n${monitoring(silentUrl, ', timeout: 1')}`,
      );
      expect(code).toBe(0);
      expect(summary.processes.map((p) => p.status)).toEqual(['success', 'success', 'success']);
      expect(stderr).toMatch(new RegExp(`refused \\(command\\): Monitoring: could not write the result to ${refused}.*ECONNREFUSED.*keeps its status \\(success\\)`));
      expect(stderr).toMatch(/wrong_password \(command\): Monitoring: could not write the result .*answered 401/);
      expect(stderr).toMatch(/silent \(command\): Monitoring: could not write the result .*no answer within 1 s/);
      expect(stderr).not.toContain('not-the-password');
      expect(stderr).not.toContain('monitor-pass-7731');
      expect(ms).toBeLessThan(15_000 + 2 * (await cliStartMs()));
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('writes the point of a process interrupted by SIGTERM too', async () => {
    ws.write('config/jobs.yaml', `long:\n  type: command\n  run: { argv: [sleep, "10"] }\n${monitoring(influx.url)}`);
    const run = startCli(['--json'], { cwd: ws.dir, env: { MON_PASSWORD: 'monitor-pass-7731' } });
    let stderr = '';
    run.child.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => /Running "sleep 10"/.test(stderr), EVENT_MS, 'the process to start');
    run.child.kill('SIGTERM');
    const done = await run.done;
    expect(done.code).toBe(143);
    const row = (await points()).find((r) => r.process === 'long' && r.run_id === (JSON.parse(done.stdout) as RunSummary).runId);
    expect(row).toMatchObject({ status: 'interrupted', error_code: 'E_INTERRUPTED', failed: 1 });
  });

  it('is checked by --validate-only: a bad URL or a reserved tag names the file, line and value', async () => {
    ws.write('config/jobs.yaml', `job:\n  type: command\n  run: { argv: ["true"] }\n  monitoring: { url: "influx:8086", database: m, tags: { status: x } }\n`);
    const { code, stdout } = await runCli(['--validate-only'], { cwd: ws.dir });
    expect(code).toBe(2);
    expect(stdout).toMatch(/config\/jobs\.yaml:4:22: process "job": expected "url" to be an http:\/\/ or https:\/\/ URL such as "http:\/\/localhost:8086", got "influx:8086"/);
    ws.write('config/jobs.yaml', `job:\n  type: command\n  run: { argv: ["true"] }\n  monitoring: { url: "http://influx:8086", database: m, tags: { status: x, "my tag": y } }\n  logging: { loki: { url: "http://loki:3100", labels: { run: x } } }\n`);
    const checks = await runCli(['--validate-only'], { cwd: ws.dir });
    expect(checks.code).toBe(2);
    expect(checks.stdout).toMatch(/config\/jobs\.yaml:4:\d+: process "job": tag "status" is set on every point already/);
    expect(checks.stdout).toMatch(/config\/jobs\.yaml:4:\d+: process "job": expected a tag name of letters, digits and _ .*got "my tag"/);
    expect(checks.stdout).toMatch(/config\/jobs\.yaml:5:\d+: process "job": label "run" is set on every line already/);
    ws.write('config/jobs.yaml', `job:\n  type: command\n  run: { argv: ["true"] }\n  monitoring: { url: "http://influx:8086", database: m, measurement: "#runs", tags: { share: 'C:\\backups\\' } }\n`);
    const escaping = await runCli(['--validate-only'], { cwd: ws.dir });
    expect(escaping.code).toBe(2);
    expect(escaping.stdout).toMatch(/process "job": tag "share" cannot hold a line break or end with a backslash, got "C:\\\\backups\\\\"/);
    expect(escaping.stdout).toMatch(/process "job": measurement cannot start with #/);
  });
});
