import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, startCli, waitFor, Workspace, EVENT_MS } from '../helpers/cli.js';
import { RedisServer } from '../helpers/redis.js';

// SAT_QUEUE_URL stands for --queue (main, schedule, worker, queue status, logs serve), on a real redis-server.
let redis: RedisServer;
let locked: RedisServer; // one that asks for a password
let ws: Workspace;
beforeAll(async () => void ([redis, locked] = await Promise.all([RedisServer.start(), RedisServer.start({ password: 'hunter2-sesame' })])), 60_000);
afterAll(async () => void (await Promise.all([redis?.stop(), locked?.stop()])));
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

// Nothing listens there: a command that used this URL would fail to connect.
const CLOSED = 'redis://127.0.0.1:1';

describe('SAT_QUEUE_URL', () => {
  it('sends main\'s processes to a worker when neither names --queue', async () => {
    const env = { SAT_QUEUE_URL: `${redis.url}/1` };
    ws.write('config/jobs.yaml', 'hello:\n  type: command\n  run: { shell: "echo hello from the worker" }\n');
    const worker = startCli(['worker', '--concurrency', '1'], { cwd: ws.dir, env });
    let workerLog = '';
    worker.child.stderr!.on('data', (d) => (workerLog += d));
    await waitFor(() => /taking jobs from/.test(workerLog), EVENT_MS, 'the worker to start');
    const status = await runCli(['queue', 'status', '--json'], { cwd: ws.dir, env });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ queue: `${redis.url}/1`, workers: [expect.any(String)] });
    const run = await runCli(['--json'], { cwd: ws.dir, env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/hello \(command\): Running on worker/);
    expect(workerLog).toMatch(/stdout\| hello from the worker/);
    worker.child.kill('SIGTERM');
    expect((await worker.done).code).toBe(0);
  });

  it('gives way to --queue', async () => {
    const status = await runCli(['queue', 'status', '--queue', `${redis.url}/2`, '--json'], { cwd: ws.dir, env: { SAT_QUEUE_URL: CLOSED } });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).queue).toBe(`${redis.url}/2`);
  });

  it('is read by schedule and logs serve too, and a bad one is named as such, its password never shown', async () => {
    const env = { SAT_QUEUE_URL: 'redis://:hunter2@127.0.0.1/x' };
    for (const args of [['schedule'], ['logs', 'serve', '--port', '0', '--inbox', 'in', '--process', 'p'], ['worker'], ['queue', 'status'], []]) {
      const r = await runCli(args, { cwd: ws.dir, env });
      expect([r.code, r.stderr], args.join(' ')).toEqual([2, 'main: expected the database in SAT_QUEUE_URL to be a number (redis://host:6379/0), got "x" in "redis://:***@127.0.0.1/x"\n']);
    }
  });

  it('is ignored by the commands that take no queue', async () => {
    const r = await runCli(['history'], { cwd: ws.dir, env: { SAT_QUEUE_URL: CLOSED } });
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('main queue status on a Redis that asks for a password', () => {
  it('without SAT_QUEUE_PASSWORD, says where the password goes', async () => {
    const r = await runCli(['queue', 'status'], { cwd: ws.dir, env: { SAT_QUEUE_URL: locked.url } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^main: cannot reach the queue at redis:\/\/127\.0\.0\.1:\d+\/?: NOAUTH Authentication required\n/);
    expect(r.stderr).toMatch(/This Redis asks for a password: put it in the SAT_QUEUE_PASSWORD environment variable/);
  });

  it('with SAT_QUEUE_PASSWORD, reads the queue', async () => {
    const r = await runCli(['queue', 'status', '--json'], { cwd: ws.dir, env: { SAT_QUEUE_URL: locked.url, SAT_QUEUE_PASSWORD: 'hunter2-sesame' } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).counts.waiting).toBe(0);
  });
});
