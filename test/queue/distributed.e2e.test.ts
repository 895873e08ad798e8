import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { runCli, startCli, waitFor, Workspace, EVENT_MS } from '../helpers/cli.js';
import { freePort, Influxd } from '../helpers/influxd.js';
import { nginxCombined } from '../helpers/log-lines.js';
import { startServe } from '../helpers/logs-peer.js';
import { RedisServer } from '../helpers/redis.js';

let redis: RedisServer;
let ws: Workspace;
// Every CLI a test starts (workers, producers, schedulers): SIGKILLed after the test if still running.
const workers: Array<ReturnType<typeof startCli>> = [];

beforeAll(async () => void (redis = await RedisServer.start()), 30_000);
afterAll(async () => redis?.stop());
beforeEach(() => (ws = new Workspace()));
afterEach(async () => {
  for (const w of workers.splice(0)) {
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await w.done;
  }
  ws.remove();
});

// Each test on its own Redis database: jobs and workers of one test never meet another's.
let dbNumber = 0;
let queue = '';
beforeEach(() => void (queue = `${redis.url}/${++dbNumber}`));

function startWorker(args: string[] = [], cwd = ws.dir, env?: NodeJS.ProcessEnv) {
  const w = startCli(['worker', '--queue', queue, '--concurrency', '4', ...args], { cwd, env });
  let stderr = '';
  w.child.stderr!.on('data', (d) => (stderr += d));
  workers.push(w);
  return { ...w, stderr: () => stderr, ready: () => waitFor(() => /taking jobs from/.test(stderr), EVENT_MS, 'the worker to start') };
}

const JOBS = `hello:
  type: command
  run: { shell: "echo hello from the worker" }
broken:
  type: command
  run: { argv: ["false"] }
after_broken:
  type: command
  after: [broken]
  run: { argv: ["true"] }
`;

describe('main --queue and main worker (BullMQ on a real redis-server)', () => {
  it('runs every process on a worker and prints the same summary and exit code as a local run', async () => {
    ws.write('config/jobs.yaml', JOBS);
    const local = await runCli(['--json'], { cwd: ws.dir });
    const worker = startWorker();
    await worker.ready();
    const queued = await runCli(['--json', '--queue', queue, '--attempts', '2', '--backoff', '0'], { cwd: ws.dir });
    expect(queued.code).toBe(local.code);
    expect(queued.code).toBe(1);
    const shape = (s: RunSummary) => ({ status: s.status, processes: s.processes.map((p) => ({ name: p.name, status: p.status, code: p.error?.code })) });
    const summary = JSON.parse(queued.stdout) as RunSummary;
    expect(shape(summary)).toEqual(shape(JSON.parse(local.stdout) as RunSummary));
    expect(summary.processes.find((p) => p.name === 'broken')!.error!.message).toBe('"false" exited with code 1 (attempt 2 of 2)');
    // It ran there, not here: the worker's log has the command's output.
    expect(worker.stderr()).toMatch(/hello \(command\): stdout\| hello from the worker/);
    expect(queued.stderr).toMatch(/hello \(command\): Running on worker [^ ]+ \(pid \d+\)/);
    expect(queued.stderr).not.toMatch(/stdout\| hello/);
    // The run is in the producer's state store like a local one.
    const history = await runCli(['history', '--json'], { cwd: ws.dir });
    expect(JSON.parse(history.stdout)[0].runId).toBe(summary.runId);

    const status = await runCli(['queue', 'status', '--queue', queue, '--json'], { cwd: ws.dir });
    expect(status.code).toBe(0);
    const counts = JSON.parse(status.stdout);
    expect(counts.counts).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 1, completed: 1 });
    expect(counts.workers).toHaveLength(1);
    expect(counts.failed[0]).toMatchObject({ process: 'broken', reason: 'E_COMMAND: "false" exited with code 1' });
  });

  it('refuses a job whose definition differs on the worker (config drift): no retry, no secret in Redis', async () => {
    ws.write('config/jobs.yaml', `copy:\n  type: command\n  run: { shell: 'echo "$TOKEN" > /dev/null' , env: { TOKEN: "\${SECRET_TOKEN}", LIMIT: 10 } }\n`);
    const other = new Workspace();
    try {
      other.write('config/jobs.yaml', `copy:\n  type: command\n  run: { shell: 'echo "$TOKEN" > /dev/null' , env: { TOKEN: "\${SECRET_TOKEN}", LIMIT: 11 } }\n`);
      const worker = startWorker([], other.dir, { SECRET_TOKEN: 'drift-s3cret-5521' });
      await worker.ready();
      const queued = await runCli(['--json', '--queue', queue, '--attempts', '3', '--backoff', '5'], { cwd: ws.dir, env: { SECRET_TOKEN: 'drift-s3cret-5521' } });
      expect(queued.code).toBe(1);
      const p = (JSON.parse(queued.stdout) as RunSummary).processes[0]!;
      expect(p.status).toBe('failed');
      expect(p.error!.code).toBe('E_CONFIG_DRIFT');
      expect(p.error!.message).toMatch(/^process "copy" in config\/jobs\.yaml on worker \S+ differs from the producer's \(definition [0-9a-f]{12}, job [0-9a-f]{12}\); deploy the same process files and environment to every worker \(attempt 1 of 3\)$/);
      // Not retried: a retry would first wait its 5 s backoff, and the job's time counts from its enqueueing.
      expect(p.durationMs).toBeLessThan(5000);
      const dump = await redisDump();
      expect(dump).toContain('copy');
      expect(dump).not.toContain('drift-s3cret-5521');
    } finally {
      other.remove();
    }
  });

  it('withdraws the jobs no worker has taken when main is interrupted (exit 130), and says when the queue is unreachable', async () => {
    ws.write('config/jobs.yaml', JOBS);
    const run = startCli(['--json', '--queue', queue], { cwd: ws.dir });
    workers.push(run); // killed after the test if it is still running
    let stderr = '';
    run.child.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => (stderr.match(/Queued as job/g) ?? []).length >= 2, EVENT_MS, 'the jobs to be queued');
    expect(stderr).toMatch(/No worker is connected to redis:\/\/127\.0\.0\.1:\d+\/\d+ yet/);
    run.child.kill('SIGINT');
    const done = await run.done;
    expect(done.code).toBe(130);
    const summary = JSON.parse(done.stdout) as RunSummary;
    expect(summary.status).toBe('interrupted');
    expect(summary.processes.find((p) => p.name === 'hello')!.error!.message).toMatch(/interrupted by SIGINT before a worker took job \S+; it was withdrawn from the queue/);
    const status = JSON.parse((await runCli(['queue', 'status', '--queue', queue, '--json'], { cwd: ws.dir })).stdout);
    expect(status.counts.waiting).toBe(0);

    const nowhere = `redis://127.0.0.1:${await freePort()}`;
    const unreachable = await runCli(['--queue', nowhere], { cwd: ws.dir });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(new RegExp(`main: cannot reach the queue at ${nowhere}/?: .*\\. Nothing was run\\.`));
  });

  it('main schedule --queue enqueues at schedule times and a worker runs them; logs serve --queue hands received files to a worker', async () => {
    const TOKEN = 'queue-T0ken-e2e-77aa91';
    ws.write('config/jobs.yaml', `tick:\n  type: command\n  schedule: "*/1 * * * * *"\n  run: { shell: "echo tick" }\nweb:\n  type: logs\n  enabled: false\n  inputs: ["inbox/*.log"]\n  format: nginx-combined\n`);
    const worker = startWorker([], ws.dir, { LOGS_TOKEN: TOKEN });
    await worker.ready();
    const scheduler = startCli(['schedule', '--queue', queue, '--state', 'data/scheduler.db'], { cwd: ws.dir });
    workers.push(scheduler); // killed after the test if it is still running
    let stderr = '';
    scheduler.child.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => /tick \(command\): Finished: success/.test(stderr), EVENT_MS, 'a scheduled run to finish on the worker');
    scheduler.child.kill('SIGTERM');
    expect((await scheduler.done).code).toBe(0);
    expect(stderr).toMatch(/each run a job on redis:\/\/127\.0\.0\.1:\d+\/\d+/);
    expect(stderr).toMatch(/tick \(command\): Running on worker/);
    expect(worker.stderr()).toMatch(/tick \(command\): stdout\| tick/);

    const serve = await startServe(ws.dir, ['--inbox', 'inbox', '--process', 'web', '--queue', queue], { LOGS_TOKEN: TOKEN });
    try {
      ws.write('access.log', nginxCombined(500).text);
      const sent = await runCli(['logs', 'send', 'access.log', '--host', '127.0.0.1', '--port', String(serve.port)], { cwd: ws.dir, env: { LOGS_TOKEN: TOKEN } });
      expect(sent.code).toBe(0);
      await waitFor(() => /Processed .*access\.log as web/.test(serve.stderr()), EVENT_MS, 'the received file to be processed on the worker');
      expect(serve.stderr()).toMatch(/Processed \S+-access\.log as web \(run \S+, 500 records read\); moved to processed\//);
      expect(worker.stderr()).toMatch(/web \(logs\): Finished: success/);
    } finally {
      expect((await serve.stop()).code).toBe(0);
    }
  });

  it('does not wait for ever for a job that left the queue (Redis emptied under it): E_QUEUE, exit 1', async () => {
    ws.write('config/jobs.yaml', `slow:\n  type: command\n  run: { shell: "sleep 4" }\n`);
    const worker = startWorker();
    await worker.ready();
    const run = startCli(['--json', '--queue', queue], { cwd: ws.dir });
    workers.push(run); // killed after the test if it is still running
    let stderr = '';
    run.child.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => /Running on worker/.test(stderr), EVENT_MS, 'the worker to take the job');
    const { Redis } = await import('ioredis');
    const client = new Redis(queue);
    await client.flushdb();
    client.disconnect();
    const done = await run.done;
    expect(done.code).toBe(1);
    expect((JSON.parse(done.stdout) as RunSummary).processes[0]!.error).toEqual({ code: 'E_QUEUE', message: expect.stringMatching(/^job \S+ is no longer in the queue \(removed, or Redis restarted without persistence\)$/) });
  });

  it('does not run the jobs of a producer that was killed: the worker refuses them once the run key is gone', async () => {
    ws.write('config/jobs.yaml', `once:\n  type: command\n  run: { shell: "echo ran >> ran.txt" }\n`);
    const run = startCli(['--queue', queue], { cwd: ws.dir });
    workers.push(run); // killed after the test if it is still running
    let stderr = '';
    run.child.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => /Queued as job/.test(stderr), EVENT_MS, 'the job to be queued');
    run.child.kill('SIGKILL');
    await run.done;
    const { Redis } = await import('ioredis');
    const client = new Redis(queue);
    // The producer renews its run key every 5 s for 30 s: deleting it stands for those 30 s passing.
    const keys = await client.keys('sysadmintoolkit:run:*');
    expect(keys).toHaveLength(1);
    await client.del(...keys);
    client.disconnect();
    const worker = startWorker();
    await worker.ready();
    await waitFor(() => /failed: E_QUEUE: its producer is gone/.test(worker.stderr()), EVENT_MS, 'the worker to refuse the job');
    expect(ws.exists('ran.txt')).toBe(false);
  });

  it('a worker cut off from Redis for longer than --stalled-after kills its child: the job never runs twice side by side', async () => {
    ws.write('config/jobs.yaml', `slow:\n  type: command\n  run: { shell: "echo start >> runs.txt; sleep 6; echo end >> runs.txt" }\n`);
    const proxy = await CuttableProxy.start(new URL(queue).port);
    const viaProxy = `redis://127.0.0.1:${proxy.port}/${new URL(queue).pathname.slice(1)}`;
    const cutOff = startCli(['worker', '--queue', viaProxy, '--concurrency', '1', '--stalled-after', '4'], { cwd: ws.dir });
    workers.push(cutOff);
    let cutOffLog = '';
    cutOff.child.stderr!.on('data', (d) => (cutOffLog += d));
    await waitFor(() => /taking jobs from/.test(cutOffLog), EVENT_MS, 'the first worker to start');
    const run = startCli(['--json', '--queue', queue], { cwd: ws.dir });
    workers.push(run); // killed after the test if it is still running
    let stderr = '';
    run.child.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => /Running on worker/.test(stderr), EVENT_MS, 'the first worker to take the job');
    proxy.cut(); // the first worker loses Redis; the second, connected directly, takes the stalled job
    const second = startWorker(['--stalled-after', '4', '--concurrency', '1']);
    await waitFor(() => /so another worker may take it; killing its process here/.test(cutOffLog), 20_000, 'the cut-off worker to notice').catch((error: Error) => {
      throw new Error(`${error.message}\n${cutOffLog}`);
    });
    const done = await Promise.race([run.done, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`main did not end:\n${stderr}\nsecond worker:\n${second.stderr()}\ncut-off worker:\n${cutOffLog}`)), 25_000))]);
    proxy.restore();
    expect(done.code).toBe(0);
    expect(second.stderr()).toMatch(/slow \(command\): Finished: success/);
    // The cut-off worker's child was killed: one run reached its end.
    expect(ws.read('runs.txt').trim().split('\n').filter((l) => l === 'end')).toHaveLength(1);
    await proxy.stop();
  });

  it('rejects a bad --queue URL as a usage error', async () => {
    const bad = await runCli(['--queue', 'http://localhost:6379'], { cwd: ws.dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected --queue to be a redis:\/\/ or rediss:\/\/ URL, got "http:\/\/…"/);
  });
});

describe('a worker killed mid-job (SIGKILL)', () => {
  let src: Influxd;
  let dst: Influxd;
  beforeAll(async () => void ([src, dst] = await Promise.all([Influxd.start(), Influxd.start()])), 60_000);
  afterAll(async () => Promise.all([src?.stop(), dst?.stop()]));

  it('leaves a stalled job that the other worker completes, from the checkpoint: the copy is exact', async () => {
    await src.query('CREATE DATABASE big');
    const lines: string[] = [];
    for (let t = 0; t < 3000; t++) for (let s = 0; s < 20; s++) lines.push(`big,host=h${s} v=${t}i,f=${t / 7} ${1700000000000000000n + BigInt(t) * 1_000_000n}`);
    for (let i = 0; i < lines.length; i += 20_000) await src.write('big', lines.slice(i, i + 20_000).join('\n'));
    ws.write(
      'config/copy.yaml',
      `copy:\n  source_server: { url: "${src.url}", database: big }\n  destination_server: { url: "${dst.url}", database: big_copy }\n  backup_config: { mode: incremental, overlap: 1ms, page_size: 50, window: 100ms, write_concurrency: 1, read_concurrency: 1 }\n`,
    );
    // Two workers on one machine share the state store, as workers sharing a checkpoint folder would.
    const first = startWorker(['--stalled-after', '4']);
    await first.ready();
    const run = startCli(['--json', '-v', '--queue', queue], { cwd: ws.dir });
    workers.push(run); // killed after the test if it is still running
    let stderr = '';
    run.child.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => /Running on worker/.test(stderr), EVENT_MS, 'the first worker to take the job').catch((error: Error) => {
      throw new Error(`${error.message}\nmain:\n${stderr}\nworker:\n${first.stderr()}`);
    });
    const copied = async () => Number((await dst.query('SELECT count(v) FROM big', 'big_copy').catch(() => null))?.results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? 0);
    const deadline = Date.now() + 30_000;
    while ((await copied()) < 3000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    first.child.kill('SIGKILL');
    await first.done;
    const partial = await copied();
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(60_000);
    expect(stderr).toMatch(/Progress on the worker: \d+ points/);

    const second = startWorker(['--stalled-after', '4']);
    const done = await run.done;
    expect(done.code).toBe(0);
    const p = (JSON.parse(done.stdout) as RunSummary).processes[0]!;
    expect(p.status).toBe('success');
    expect(p.integrity!.ok).toBe(true);
    expect(p.records!.read).toBeLessThan(60_000); // resumed from the checkpoint, not from the start
    expect(second.stderr()).toMatch(/copy \(influxdb-copy\): Finished: success/);
    expect(await dst.dump('big_copy')).toEqual(await src.dump('big'));
  });
});

// Every key and value of the test's Redis database, as text.
async function redisDump(): Promise<string> {
  const { Redis } = await import('ioredis');
  const client = new Redis(queue);
  try {
    const out: string[] = [];
    for (const key of await client.keys('*')) {
      const type = await client.type(key);
      out.push(key);
      if (type === 'hash') out.push(JSON.stringify(await client.hgetall(key)));
      else if (type === 'string') out.push(String(await client.get(key)));
      else if (type === 'list') out.push(JSON.stringify(await client.lrange(key, 0, -1)));
      else if (type === 'stream') out.push(JSON.stringify(await client.xrange(key, '-', '+')));
    }
    return out.join('\n');
  } finally {
    client.disconnect();
  }
}

// A TCP proxy to Redis whose connections can be cut (and new ones refused) on demand: a network outage for one worker.
class CuttableProxy {
  private readonly sockets = new Set<import('node:net').Socket>();
  private down = false;
  private constructor(
    private readonly server: import('node:net').Server,
    readonly port: number,
  ) {}

  static async start(targetPort: string): Promise<CuttableProxy> {
    const { createServer, connect } = await import('node:net');
    let self: CuttableProxy | undefined;
    const server = createServer((client) => {
      if (self!.down) return void client.destroy();
      const upstream = connect(Number(targetPort), '127.0.0.1');
      for (const socket of [client, upstream]) {
        self!.sockets.add(socket);
        socket.on('close', () => self!.sockets.delete(socket));
        socket.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (self = new CuttableProxy(server, (server.address() as { port: number }).port));
  }

  cut(): void {
    this.down = true;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.down = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
