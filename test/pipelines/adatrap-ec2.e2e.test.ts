import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { PipelineContext } from '../../src/core/pipeline.js';
import { runDayOnInstance } from '../../src/pipelines/adatrap/ec2/launch.js';
import type { AdatrapConfig } from '../../src/pipelines/adatrap/schema.js';
import { kinds } from '../../src/pipelines/registry.js';
import { BUCKETS, dayProcess, seedDay } from '../helpers/adatrap-day.js';
import { MAIN, Workspace } from '../helpers/cli.js';
import { Ec2StandIn } from '../helpers/ec2-standin.js';
import { S3_CREDENTIALS, S3Server } from '../helpers/s3-server.js';

// The EC2 flow runs in this process (the stand-in's mocks live here); each instance's work is a real
// `main adatrap remote` child, decoded from the user data, against the real S3 server.
const DAY = '2021-04-22';
const GROUP = 'adatrap-test';
const SESSION = 'SessionTokenSecret-7f3a9c';
let s3: S3Server;
let standIn: Ec2StandIn;
const workspaces: Workspace[] = [];

beforeAll(async () => {
  s3 = await S3Server.start(BUCKETS);
  await seedDay(s3, DAY, { poDay: '2021-04-01', dictFrom: '2021-04-01', dictTo: '2021-04-30' });
});
afterEach(async () => {
  await standIn?.close();
  for (const w of workspaces.splice(0)) w.remove();
});
afterAll(async () => {
  await s3?.stop();
});

async function start(instanceEnv: Record<string, string> = {}): Promise<void> {
  standIn = await Ec2StandIn.start({ roleKeys: S3_CREDENTIALS, instanceEnv });
  standIn.logs.createGroup(GROUP);
}

// A process as the loader gives it (every default filled in), running where: ec2.
async function ec2Process(tag: string, run: Record<string, unknown> = {}): Promise<AdatrapConfig> {
  const ws = new Workspace();
  workspaces.push(ws);
  const definition = dayProcess(s3, 'work', {
    storage: { ...s3.storage(), credentials: { ...S3_CREDENTIALS, session_token: SESSION } },
    run: { where: 'ec2', image_id: 'ami-0123456789abcdef0', instance_type: 't3.micro', instance_profile: 'adatrap-test', log_group: GROUP, main: [process.execPath, MAIN], timeout: 60, max_lifetime: 120, poll_interval: 0.2, ...run },
    archive: { bucket: 'adatrap-out', key: `${tag}/{date}.zip` },
  });
  ws.write('config/day.yaml', JSON.stringify({ day: definition }));
  const loaded = await loadConfig(ws.path('config'), kinds(), { date: DAY });
  expect(loaded.problems).toEqual([]);
  return loaded.processes[0]!.config as unknown as AdatrapConfig;
}

function context(options: { signal?: AbortSignal; onLine?: (line: string) => void } = {}) {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => {
    lines.push(`${level}: ${message}`);
    options.onLine?.(message);
  };
  const ctx: PipelineContext = {
    runId: 'run-ec2',
    process: 'day',
    kind: 'adatrap',
    cwd: process.cwd(),
    file: 'config/day.yaml',
    date: DAY,
    signal: options.signal ?? new AbortController().signal,
    log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
    progress: () => {},
    checkpoints: { get: () => undefined, set: () => {}, delete: () => {}, entries: () => [] },
    trackProcessGroup: () => () => {},
  };
  return { ctx, lines };
}

async function head(key: string) {
  return s3.client().send(new HeadObjectCommand({ Bucket: 'adatrap-out', Key: key })).catch((e: { name?: string }) => {
    if (e.name === 'NotFound') return undefined;
    throw e;
  });
}

function onlyInstance() {
  const all = [...standIn.instances.values()];
  expect(all).toHaveLength(1);
  return all[0]!;
}

describe('adatrap where: ec2', () => {
  it('runs the day on an instance: the archive verified in S3, the instance terminated, its log lines in the run log', async () => {
    await start();
    const config = await ec2Process('whole');
    const { ctx, lines } = context();
    const outcome = await runDayOnInstance(config, DAY, ctx);
    if (outcome.error) console.log(lines.join('\n'), [...standIn.instances.values()][0]!.console.join('\n'));
    expect(outcome.error).toBeUndefined();
    const instance = onlyInstance();
    expect(instance.state).toBe('terminated');
    expect(outcome.integrity!.ok).toBe(true);
    const names = outcome.integrity!.checks.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['input gps', 'program exit code', 'archive', 'archive seen from here', `instance ${instance.id} terminated`]));
    expect(outcome.records!.written).toBeGreaterThan(0);

    // The archive S3 holds: its bytes hash to the SHA-256 in its metadata.
    const got = await s3.client().send(new GetObjectCommand({ Bucket: 'adatrap-out', Key: `whole/${DAY}.zip` }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(got.Metadata?.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));

    // The instance's own lines went to its CloudWatch Logs stream and came back into the run's log.
    expect(standIn.logs.lines(GROUP, instance.id).join('\n')).toContain('fake ADATRAP: done');
    expect(lines).toContainEqual(`info: ${instance.id}: fake ADATRAP: done`);

    const request = instance.request!;
    expect(request.InstanceInitiatedShutdownBehavior).toBe('terminate');
    expect(request.IamInstanceProfile).toEqual({ Name: 'adatrap-test' });
    expect(request.MetadataOptions?.HttpTokens).toBe('required');
    expect(request.TagSpecifications![0]!.Tags).toEqual(expect.arrayContaining([
      { Key: 'sysadmintoolkit:process', Value: 'day' },
      { Key: 'sysadmintoolkit:run', Value: 'run-ec2' },
      { Key: 'sysadmintoolkit:date', Value: DAY },
    ]));

    // A second run of the day is skipped, and launches nothing.
    const again = await runDayOnInstance(config, DAY, context().ctx);
    expect(again.skipped).toMatch(/already holds the verified archive.*no instance launched/);
    expect(standIn.requests).toHaveLength(1);
  });

  it('puts no secret in the RunInstances request, in any encoding', async () => {
    await start();
    const config = await ec2Process('secret');
    await runDayOnInstance(config, DAY, context().ctx);
    const request = standIn.requests[0]!;
    const script = Buffer.from(request.UserData!, 'base64').toString('utf8');
    expect(script).toContain('adatrap remote');
    const everything = `${JSON.stringify(request)}\n${script}`;
    for (const secret of [S3_CREDENTIALS.secret_access_key, S3_CREDENTIALS.access_key_id, SESSION]) {
      expect(everything).not.toContain(secret);
      // Base64 of the secret at each of the three alignments it could have inside a longer base64 text.
      for (const pad of ['', 'a', 'aa']) expect(everything).not.toContain(Buffer.from(pad + secret).toString('base64').slice(pad ? 4 : 0, -4));
    }
    expect(script).not.toContain('credentials');
  });

  it('fails a day whose program exits non-zero: the instance terminated, no archive uploaded', async () => {
    await start({ FAKE_ADATRAP: 'exit' });
    const config = await ec2Process('exit');
    const outcome = await runDayOnInstance(config, DAY, context().ctx);
    expect(outcome.error?.code).toBe('E_ADATRAP_OUTPUT');
    expect(outcome.error?.message).toMatch(/exit/);
    const instance = onlyInstance();
    expect(instance.state).toBe('terminated');
    expect(outcome.integrity!.checks).toContainEqual(expect.objectContaining({ name: `instance ${instance.id} terminated`, ok: true }));
    expect(await head(`exit/${DAY}.zip`)).toBeUndefined();
  });

  it('terminates an instance that outlives max_lifetime, and uploads nothing', async () => {
    await start({ FAKE_ADATRAP: 'hang' });
    const config = await ec2Process('hang', { max_lifetime: 4 });
    const outcome = await runDayOnInstance(config, DAY, context().ctx);
    expect(outcome.error?.code).toBe('E_ADATRAP_INSTANCE');
    expect(outcome.error?.message).toMatch(/ran past max_lifetime \(4 s\)/);
    const instance = onlyInstance();
    expect(instance.state).toBe('terminated');
    expect(instance.child!.exitCode !== null || instance.child!.signalCode !== null).toBe(true);
    expect(await head(`hang/${DAY}.zip`)).toBeUndefined();
  });

  it('terminates the instance when the run is stopped (SIGTERM to main)', async () => {
    await start({ FAKE_ADATRAP: 'hang' });
    const config = await ec2Process('stop');
    const stop = new AbortController();
    const { ctx } = context({ signal: stop.signal, onLine: (line) => line.includes('still working') && stop.abort() });
    await expect(runDayOnInstance(config, DAY, ctx)).rejects.toMatchObject({ code: 'E_INTERRUPTED' });
    const instance = onlyInstance();
    expect(['shutting-down', 'terminated']).toContain(instance.state);
    await instance.exited;
    expect(await head(`stop/${DAY}.zip`)).toBeUndefined();
  });

  it('fails, naming the instance, when the instance ends without a result', async () => {
    await start();
    const config = await ec2Process('noresult', { main: ['false'] });
    const outcome = await runDayOnInstance(config, DAY, context().ctx);
    const instance = onlyInstance();
    expect(outcome.error?.code).toBe('E_ADATRAP_INSTANCE');
    expect(outcome.error?.message).toContain(`instance ${instance.id} (day ${DAY}) is`);
    expect(outcome.error?.message).toContain('wrote no result');
    expect(instance.state).toBe('terminated');
  });
});
