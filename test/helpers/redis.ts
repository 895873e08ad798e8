import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './influxd.js';
import { spawnTied } from './tied.js';

const INSTALL = 'redis-server is not installed: on Debian run `apt-get install -y redis-server` (.ci/run does this)';

// A throwaway redis-server on a loopback port, persistence off, its own folder; stopped after the tests.
export class RedisServer {
  private constructor(
    readonly url: string,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {}

  // `password`: the server asks for it (requirepass).
  static async start(options: { password?: string } = {}): Promise<RedisServer> {
    if (spawnSync('redis-server', ['--version']).error) throw new Error(INSTALL);
    const dir = mkdtempSync(join(tmpdir(), 'sat-redis-'));
    const port = await freePort();
    const child = spawnTied('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--loglevel', 'warning', ...(options.password ? ['--requirepass', options.password] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const deadline = Date.now() + 60_000;
    while (!(await ping(port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`redis-server did not start on port ${port}:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return new RedisServer(`redis://127.0.0.1:${port}`, dir, child);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => (socket.destroy(), resolve(/^(\+PONG|-NOAUTH)/.test(d.toString()))));
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => (socket.destroy(), resolve(false)));
  });
}
