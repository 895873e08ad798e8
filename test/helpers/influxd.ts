import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dumpPoints } from './influx-dump.js';
import { assertLive } from './test-life.js';
import { spawnTied } from './tied.js';

const INSTALL = 'influxd (InfluxDB 1.x) is not installed: on Debian run `apt-get install -y influxdb influxdb-client` (.ci/run does this)';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

// A throwaway influxd on loopback ports with its own data folder; reporting, the monitor store and the HTTP log are off.
export class Influxd {
  private constructor(
    readonly url: string,
    /** The RPC address (host:port) influxd backup and restore use. */
    readonly rpc: string,
    private readonly dir: string,
    private readonly process: ChildProcess,
    private readonly auth?: string,
  ) {}

  static async start(options: { user?: string; password?: string } = {}): Promise<Influxd> {
    if (spawnSync('influxd', ['version']).error) throw new Error(INSTALL);
    const dir = mkdtempSync(join(tmpdir(), 'sat-influxd-'));
    const [http, rpc] = [await freePort(), await freePort()];
    writeFileSync(
      join(dir, 'influxdb.conf'),
      `reporting-disabled = true
bind-address = "127.0.0.1:${rpc}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:${http}"
  log-enabled = false
  auth-enabled = ${options.user ? 'true' : 'false'}
[logging]
  level = "error"
[continuous_queries]
  enabled = false
`,
    );
    const child = spawnTied('influxd', ['-config', join(dir, 'influxdb.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const url = `http://127.0.0.1:${http}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`influxd exited at start: ${stderr}`);
      const up = await fetch(`${url}/ping`).then((r) => r.status === 204, () => false);
      if (up) break;
      if (Date.now() > deadline) throw new Error(`influxd did not answer /ping within 30 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const auth = options.user ? `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}` : undefined;
    const server = new Influxd(url, `127.0.0.1:${rpc}`, dir, child, auth);
    if (options.user) await server.query(`CREATE USER "${options.user}" WITH PASSWORD '${options.password}' WITH ALL PRIVILEGES`);
    return server;
  }

  async query(q: string, db?: string): Promise<any> {
    assertLive(`querying influxd: ${q.slice(0, 60)}`);
    const res = await fetch(`${this.url}/query?${new URLSearchParams({ q, ...(db ? { db } : {}) })}`, { method: 'POST', headers: this.headers() });
    const body = (await res.json()) as { results?: Array<{ error?: string }>; error?: string };
    const error = body.error ?? body.results?.find((r) => r.error)?.error;
    if (error) throw new Error(`${q}: ${error}`);
    return body;
  }

  async write(db: string, lines: string, rp?: string): Promise<void> {
    assertLive(`writing to influxd`);
    const res = await fetch(`${this.url}/write?${new URLSearchParams({ db, precision: 'ns', ...(rp ? { rp } : {}) })}`, { method: 'POST', body: lines, headers: this.headers() });
    if (res.status !== 204) throw new Error(`write answered ${res.status}: ${await res.text()}`);
  }

  // Line protocol as bytes (names and strings that are not UTF-8). InfluxDB 1.6 refuses a new field of a
  // measurement whose name is not UTF-8 once (it cannot save its field index), then takes it: tries a few times.
  async writeBytes(db: string, body: Buffer): Promise<void> {
    assertLive(`writing to influxd`);
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${this.url}/write?${new URLSearchParams({ db, precision: 'ns' })}`, { method: 'POST', body, headers: this.headers() });
      if (res.status === 204) return;
      if (res.status !== 500 || attempt > 2) throw new Error(`write answered ${res.status}: ${await res.text()}`);
    }
  }

  // Every point of a retention policy as comparable text: series, nanosecond time, each value with its own type,
  // names and strings as bytes (see influx-dump.ts).
  async dump(db: string, rp = 'autogen'): Promise<string[]> {
    return dumpPoints(this.url, db, rp, this.headers());
  }

  async fieldKeys(db: string, measurement: string): Promise<unknown> {
    return (await this.query(`SHOW FIELD KEYS FROM "${measurement}"`, db)).results[0].series?.[0]?.values;
  }

  // Resolves once the server has used less than 5% of a core for a second (its compactions are done).
  async settle(maxMs = 60_000): Promise<void> {
    const { readFileSync } = await import('node:fs');
    const ticks = () => {
      const fields = readFileSync(`/proc/${this.process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return Number(fields[11]) + Number(fields[12]);
    };
    const deadline = Date.now() + maxMs;
    let before = ticks();
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = ticks();
      if (now - before < 5) return;
      before = now;
    }
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null) {
      const exited = new Promise((r) => this.process.once('exit', r));
      this.process.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (this.process.exitCode === null) this.process.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private headers(): Record<string, string> {
    return this.auth ? { Authorization: this.auth } : {};
  }
}
