import net from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCli, waitFor, Workspace, EVENT_MS } from '../helpers/cli.js';

// `main logs serve` faces loopback only, unless --host says otherwise.
let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
  ws.write('config/web.yaml', 'web:\n  type: logs\n  inputs: ["inbox/*.log"]\n  format: nginx-combined\n');
});
afterEach(() => ws.remove());

// An IPv4 address of this machine that is not loopback (undefined on a machine with none).
const outside = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

async function serve(extra: string[] = []) {
  const cli = startCli(['logs', 'serve', '--port', '0', '--inbox', 'inbox', '--process', 'web', ...extra], { cwd: ws.dir, env: { LOGS_TOKEN: 'h0st-T0ken-e2e-7b3q' } });
  let stderr = '';
  cli.child.stderr!.on('data', (d) => (stderr += d));
  await waitFor(() => /Listening on \S+:\d+/.test(stderr) || cli.child.exitCode !== null, EVENT_MS, 'logs serve to listen');
  const [, host, port] = /Listening on (\S+):(\d+)/.exec(stderr) ?? [];
  expect(host, stderr).toBeDefined();
  return { host, port: Number(port), stop: async () => (cli.child.kill('SIGTERM'), (await cli.done).code) };
}

// 'connected', or the error code of the attempt (ECONNREFUSED when nothing listens on that address).
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => (socket.destroy(), resolve('connected')));
    socket.setTimeout(10_000, () => (socket.destroy(), resolve('timeout')));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('main logs serve --host', () => {
  it('listens on 127.0.0.1 by default: reachable there, not on the machine\'s other addresses', async () => {
    const s = await serve();
    expect(s.host).toBe('127.0.0.1');
    expect(await tryConnect('127.0.0.1', s.port)).toBe('connected');
    // A machine without a non-loopback IPv4 address has nothing else to reach it by; the line above still holds.
    if (outside) expect(await tryConnect(outside, s.port)).toBe('ECONNREFUSED');
    expect(await s.stop()).toBe(0);
  });

  it('listens on every address with --host 0.0.0.0', async () => {
    const s = await serve(['--host', '0.0.0.0']);
    expect(s.host).toBe('0.0.0.0');
    expect(await tryConnect('127.0.0.1', s.port)).toBe('connected');
    if (outside) expect(await tryConnect(outside, s.port)).toBe('connected');
    expect(await s.stop()).toBe(0);
  });
});
