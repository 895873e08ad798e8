import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, startCli, waitFor, Workspace, EVENT_MS } from '../helpers/cli.js';
import { RedisServer } from '../helpers/redis.js';

// `main queue retry|clean|pause|resume` against a real redis-server, with a real worker running the jobs.
let redis: RedisServer;
let ws: Workspace;
beforeAll(async () => void (redis = await RedisServer.start()), 60_000);
afterAll(async () => redis?.stop());
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

// Each test on its own Redis database.
let dbNumber = 0;
let queue = '';
beforeEach(() => void (queue = `${redis.url}/${++dbNumber}`));

const main = (args: string[]) => runCli(args, { cwd: ws.dir });
const status = async () => JSON.parse((await main(['queue', 'status', '--queue', queue, '--json'])).stdout) as { paused: boolean; counts: Record<string, number>; failed: Array<{ id: string; process: string }> };

async function startWorker() {
  const w = startCli(['worker', '--queue', queue, '--concurrency', '2'], { cwd: ws.dir });
  let stderr = '';
  w.child.stderr!.on('data', (d) => (stderr += d));
  await waitFor(() => /taking jobs from/.test(stderr), EVENT_MS, 'the worker to start');
  return { ...w, stderr: () => stderr };
}

const JOBS = 'flaky:\n  type: command\n  run: { shell: "test -f ok" }\nfine:\n  type: command\n  run: { shell: "true" }\n';

describe('main queue retry and clean', () => {
  it('retries the failed jobs, waits for them and says how each ended; cleans finished jobs older than a duration', async () => {
    ws.write('config/jobs.yaml', JOBS);
    const worker = await startWorker();
    expect((await main(['--queue', queue, '--attempts', '1'])).code).toBe(1);
    const before = await status();
    expect(before.counts).toMatchObject({ failed: 1, completed: 1 });
    const failedId = before.failed[0]!.id;

    ws.write('ok', '');
    const retry = await main(['queue', 'retry', '--queue', queue]);
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.stdout).toMatch(new RegExp(`^job ${failedId.replace(/[.]/g, '\\.')} \\(flaky, run \\S+\\): completed: success in \\d+\\.\\d s\\n$`));
    expect((await status()).counts).toMatchObject({ failed: 0, completed: 2 });
    expect(worker.stderr()).toMatch(/flaky \(command\): Finished: success/);

    const missing = await main(['queue', 'retry', '--queue', queue, 'no-such-job']);
    expect([missing.code, missing.stdout]).toEqual([1, 'job no-such-job: not retried: it is not in the queue\n']);

    ws.write('config/jobs.yaml', JOBS.replace('test -f ok', 'false'));
    worker.child.kill('SIGHUP');
    await waitFor(() => /Reloaded/.test(worker.stderr()), EVENT_MS, 'the worker to reload');
    expect((await main(['--queue', queue, '--attempts', '1', '--only', 'flaky'])).code).toBe(1);
    expect((await status()).counts).toMatchObject({ failed: 1, completed: 2 });
    expect(await main(['queue', 'clean', '--queue', queue, '--older-than', '1h'])).toMatchObject({ code: 0, stdout: `Removed 0 completed and 0 failed job(s) older than 3600 s from ${queue}.\n` });
    const failedOnly = await main(['queue', 'clean', '--queue', queue, '--older-than', '0', '--failed', '--json']);
    expect(JSON.parse(failedOnly.stdout)).toEqual({ removed: { completed: 0, failed: 1 } });
    expect((await status()).counts).toMatchObject({ failed: 0, completed: 2 });
    expect((await main(['queue', 'clean', '--queue', queue, '--older-than', '0'])).stdout).toBe(`Removed 2 completed and 0 failed job(s) older than 0 s from ${queue}.\n`);
    expect((await status()).counts).toMatchObject({ failed: 0, completed: 0 });
    worker.child.kill('SIGTERM');
    expect((await worker.done).code).toBe(0);
  });
});

describe('main queue pause and resume', () => {
  it('holds new jobs back while paused (queue status says so), and lets the workers take them once resumed', async () => {
    ws.write('config/jobs.yaml', 'fine:\n  type: command\n  run: { shell: "echo ran > ran" }\n');
    const worker = await startWorker();
    expect(await main(['queue', 'pause', '--queue', queue])).toMatchObject({ code: 0, stdout: `Paused ${queue}: workers take no new job (those running go on) until \`main queue resume\`.\n` });
    expect((await status()).paused).toBe(true);
    expect((await main(['queue', 'status', '--queue', queue])).stdout).toContain(`Queue ${queue}: PAUSED (workers take no new job; \`main queue resume\` lets them)\n`);

    const run = startCli(['--queue', queue], { cwd: ws.dir });
    // The job is in the queue, and stays there: no worker takes it.
    let waiting = 0;
    const deadline = Date.now() + EVENT_MS;
    while (Date.now() < deadline && (waiting = (await status()).counts.waiting!) !== 1) await new Promise((r) => setTimeout(r, 100));
    expect(waiting).toBe(1);
    expect(ws.exists('ran')).toBe(false);

    expect(await main(['queue', 'resume', '--queue', queue])).toMatchObject({ code: 0, stdout: `Resumed ${queue}: workers take jobs again.\n` });
    expect((await run.done).code).toBe(0);
    expect(ws.exists('ran')).toBe(true);
    expect((await status()).paused).toBe(false);
    worker.child.kill('SIGTERM');
    expect((await worker.done).code).toBe(0);
  });
});
