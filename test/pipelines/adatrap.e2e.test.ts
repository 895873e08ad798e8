import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import type { RunSummary } from '../../src/core/result.js';
import { ADATRAP_OUTPUTS } from '../../src/pipelines/adatrap/schema.js';
import { BUCKETS, dayProcess, seedDay } from '../helpers/adatrap-day.js';
import { EVENT_MS, runCli, startCli, stillRunning, waitFor, Workspace } from '../helpers/cli.js';
import { RedisServer } from '../helpers/redis.js';
import { S3Server } from '../helpers/s3-server.js';

const DAY = '2021-04-22';
let s3: S3Server;
let ws: Workspace;

beforeAll(async () => {
  s3 = await S3Server.start(BUCKETS);
  await seedDay(s3, DAY, { poDay: '2021-04-19', dictFrom: '2021-04-01', dictTo: '2021-06-30' });
});
afterAll(async () => s3?.stop());
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

function writeProcess(extra: Record<string, unknown> = {}, name = 'adatrap_day'): void {
  // JSON is YAML: the process file is the object as the loader will read it.
  ws.write('config/adatrap.yaml', `${name}: ${JSON.stringify(dayProcess(s3, 'work', extra))}\n`);
}

async function run(args: string[] = [], env: Record<string, string> = {}) {
  const { code, stdout, stderr } = await runCli(['--json', '--date', DAY, ...args], { cwd: ws.dir, env });
  if (!stdout.startsWith('{')) throw new Error(`no summary (exit ${code}): ${stderr}`);
  return { code, stderr, process: (JSON.parse(stdout) as RunSummary).processes[0]! };
}

async function getObject(bucket: string, key: string): Promise<{ body: Buffer; metadata: Record<string, string>; lastModified?: Date }> {
  const client = s3.client();
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const body = Buffer.from(await got.Body!.transformToByteArray());
  client.destroy();
  return { body, metadata: got.Metadata ?? {}, lastModified: got.LastModified };
}

async function headStatus(bucket: string, key: string): Promise<number> {
  const client = s3.client();
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return 200;
  } catch (e) {
    return (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  } finally {
    client.destroy();
  }
}

function zipEntries(zip: Buffer): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const entries = new Map<string, string>();
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, file) => {
      if (error) return reject(error);
      file!.on('entry', (entry: yauzl.Entry) => {
        file!.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks: Buffer[] = [];
          stream!.on('data', (c: Buffer) => chunks.push(c));
          stream!.on('end', () => (entries.set(entry.fileName, Buffer.concat(chunks).toString()), file!.readEntry()));
        });
      });
      file!.on('end', () => resolve(entries));
      file!.readEntry();
    });
  });
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const archiveKeyOf = (day: string) => `${day}.zip`;

describe('adatrap, where: local', () => {
  it('picks each input by its rule, runs the program over the day, and uploads its 19 outputs as a verified zip', async () => {
    const day = '2021-04-20';
    await seedDay(s3, day, { poDay: '2021-04-19', dictFrom: '2021-04-01', dictTo: '2021-06-30' });
    writeProcess();
    const { code, process } = await run(['--date', day]);
    expect(process.error).toBeUndefined();
    expect(code).toBe(0);
    expect(process.status).toBe('success');
    // Output i has 3 + i lines: 3 + 4 + … + 21.
    expect(process.records).toEqual({ read: 5, written: 228, rejected: 0 });
    const checks = new Map(process.integrity!.checks.map((c) => [c.name, c]));
    expect((checks.get('input po')!.actual as { key: string }).key).toBe('s3://adatrap-po/2021-04-19.po.zip');
    expect((checks.get('input service_detail')!.actual as { key: string }).key).toBe('s3://adatrap-dict/Diccionario-DetalleServicioZP_20210401_20210630.csv.gz');
    expect((checks.get('input gps')!.actual as { key: string }).key).toBe(`s3://adatrap-gps/${day}.gps.gz`);
    expect(checks.get('program exit code')).toMatchObject({ ok: true, actual: 0 });
    expect([...checks.keys()].filter((n) => n.startsWith('output '))).toHaveLength(19);

    const archive = await getObject('adatrap-out', archiveKeyOf(day));
    expect(archive.metadata.sha256).toBe(sha256(archive.body));
    expect(checks.get('archive')).toMatchObject({ ok: true, actual: { bytes: archive.body.length, sha256: sha256(archive.body) } });
    const entries = await zipEntries(archive.body);
    expect([...entries.keys()]).toEqual(ADATRAP_OUTPUTS.map((ext) => `${day}.${ext}`));
    // The fake program read the .par as ADATRAP does: every input path it named existed once placeholders were replaced.
    expect(entries.get(`${day}.subidas`)).toMatch(new RegExp(`^${day}\\.subidas;0;\\d+\\n`));
    expect(ws.exists(`work/adatrap_day/${day}`)).toBe(false);
  });

  it('skips a day whose verified archive is there (never), re-uploads only different bytes (if-different)', async () => {
    writeProcess();
    const first = await run();
    expect(first.process.status).toBe('success');
    const before = await getObject('adatrap-out', archiveKeyOf(DAY));

    const again = await run();
    expect(again.code).toBe(0);
    expect(again.process.status).toBe('skipped');
    expect(again.process.error?.message).toContain(`s3://adatrap-out/${DAY}.zip already holds the verified archive of ${DAY}`);
    expect(again.process.durationMs).toBeLessThan(first.process.durationMs + 60_000);

    writeProcess({ archive: { bucket: 'adatrap-out', overwrite: 'if-different' } });
    const same = await run();
    expect(same.process.status).toBe('success');
    const archiveCheck = same.process.integrity!.checks.find((c) => c.name === 'archive')!;
    expect(archiveCheck.detail).toContain('already holds these bytes; not uploaded again');
    const after = await getObject('adatrap-out', archiveKeyOf(DAY));
    expect(sha256(after.body)).toBe(sha256(before.body));
    expect(after.metadata['sat-run']).toBe(before.metadata['sat-run']);

    writeProcess({ archive: { bucket: 'adatrap-out', overwrite: 'always' } });
    const always = await run();
    expect(always.process.status).toBe('success');
    const replaced = await getObject('adatrap-out', archiveKeyOf(DAY));
    expect(replaced.metadata['sat-run']).not.toBe(before.metadata['sat-run']);
    expect(sha256(replaced.body)).toBe(sha256(before.body));
  });

  it('refuses to take a foreign object for the archive under never', async () => {
    const day = '2021-04-21';
    await seedDay(s3, day, { poDay: '2021-04-19', dictFrom: '2021-04-01', dictTo: '2021-06-30' });
    await s3.put('adatrap-out', archiveKeyOf(day), 'an old upload of the original, empty zip');
    writeProcess();
    const { code, process } = await run(['--date', day]);
    expect(code).toBe(1);
    expect(process.status).toBe('failed');
    expect(process.error).toMatchObject({ code: 'E_ADATRAP_ARCHIVE' });
    expect(process.error!.message).toContain(`s3://adatrap-out/${day}.zip exists but carries no SHA-256`);
  });

  describe('a failing day uploads nothing and names why', () => {
    const failing = '2021-05-03';
    beforeAll(() => seedDay(s3, failing, { poDay: '2021-04-19', dictFrom: '2021-04-01', dictTo: '2021-06-30' }));

    it.each([
      ['exit', 'E_ADATRAP_OUTPUT', /exited with code 3: error: the GPS file has no rows for the day/],
      ['empty', 'E_ADATRAP_OUTPUT', new RegExp(`${failing}\\.stop is empty; nothing was uploaded`)],
      ['missing', 'E_ADATRAP_OUTPUT', new RegExp(`${failing}\\.perfilesag is missing`)],
      // A link could point anywhere on this host, and would be archived and uploaded.
      ['link', 'E_ADATRAP_OUTPUT', new RegExp(`${failing}\\.subidas is a symbolic link`)],
    ])('the program %s', async (mode, errorCode, message) => {
      writeProcess();
      const { code, process } = await run(['--date', failing], { FAKE_ADATRAP: mode });
      expect(code).toBe(1);
      expect(process.status).toBe('failed');
      expect(process.error!.code).toBe(errorCode);
      expect(process.error!.message).toMatch(message);
      expect(await headStatus('adatrap-out', archiveKeyOf(failing))).toBe(404);
      // keep_work: on-failure leaves the day's folder for a look.
      expect(ws.exists(`work/adatrap_day/${failing}/work/${failing}.par`)).toBe(true);
    });

    it('a program that hangs past run.timeout is stopped, with its process group', async () => {
      writeProcess({ run: { where: 'local', timeout: 2 } });
      const { process } = await run(['--date', failing], { FAKE_ADATRAP: 'hang' });
      expect(process.status).toBe('failed');
      expect(process.error).toMatchObject({ code: 'E_ADATRAP_PROGRAM' });
      expect(process.error!.message).toMatch(/timed out after 2 s/);
      expect(await headStatus('adatrap-out', archiveKeyOf(failing))).toBe(404);
      expect(stillRunning(join(ws.dir, 'work'))).toBe('');
    });

    it('a day without its GPS, 1.96 and transaction files names each key it looked for', async () => {
      writeProcess();
      const { process } = await run(['--date', '2021-06-10']);
      expect(process.status).toBe('failed');
      expect(process.error).toEqual({
        code: 'E_ADATRAP_INPUT',
        message: ['gps', 'file196', 'trx'].map((name) => `input "${name}": s3://adatrap-${name === 'file196' ? '196' : name}/2021-06-10.${name === 'file196' ? '196' : name}.gz does not exist (the day 2021-06-10)`).join('; '),
      });
    });

    it('an executable that is not the pinned one is not run', async () => {
      writeProcess({ program: { ...(dayProcess(s3, 'work').program as object), executable: { bucket: 'adatrap-exe', key: 'pvmtsc_v0.2.exe', sha256: 'ab'.repeat(32) } } });
      const { process } = await run(['--date', failing]);
      expect(process.status).toBe('failed');
      expect(process.error!.code).toBe('E_ADATRAP_PROGRAM');
      expect(process.error!.message).toContain(`not the pinned ${'ab'.repeat(32)}: it was not run`);
      expect(process.integrity!.checks.find((c) => c.name === 'program exit code')).toBeUndefined();
    });

    it('a placeholder the template names but nothing gives is refused, with its line', async () => {
      const program = dayProcess(s3, 'work').program as { parameters: { values: Record<string, string> } };
      const { service_detail_file: _dropped, ...values } = program.parameters.values;
      writeProcess({ program: { ...program, parameters: { ...program.parameters, values } } });
      const { process } = await run(['--date', failing]);
      expect(process.status).toBe('failed');
      expect(process.error!.code).toBe('E_ADATRAP_PROGRAM');
      expect(process.error!.message).toBe('parameters s3://adatrap-exe/pvmtsc_v0.2.par: line 29: {service_detail_file} left unreplaced (no value is named "service_detail_file")');
    });
  });
});

describe('a range of days: --from/--to', () => {
  beforeAll(async () => {
    // 04-26 and 04-27 are seeded; 04-28 has only the decoys seeded beside 04-27 (a day's files, other rows); 04-29 nothing.
    for (const day of ['2021-04-26', '2021-04-27']) await seedDay(s3, day, { poDay: '2021-04-19', dictFrom: '2021-04-01', dictTo: '2021-06-30' });
  });

  it('is a run a day, in order; a day that fails fails alone, and the exit code says one did', async () => {
    writeProcess();
    const { code, stdout } = await runCli(['--json', '--from', '2021-04-26', '--to', '2021-04-29'], { cwd: ws.dir });
    expect(code).toBe(1);
    const runs = JSON.parse(stdout) as RunSummary[];
    expect(runs.map((r) => r.processes[0]!.status)).toEqual(['success', 'success', 'success', 'failed']);
    expect(new Set(runs.map((r) => r.runId)).size).toBe(4);
    expect(runs[3]!.processes[0]!.error!.message).toContain('s3://adatrap-gps/2021-04-29.gps.gz does not exist');
    for (const day of ['2021-04-26', '2021-04-27', '2021-04-28']) expect(await headStatus('adatrap-out', archiveKeyOf(day))).toBe(200);
    expect(await headStatus('adatrap-out', archiveKeyOf('2021-04-29'))).toBe(404);
    const history = JSON.parse((await runCli(['history', '--json'], { cwd: ws.dir })).stdout) as Array<{ runId: string }>;
    expect(history.map((h) => h.runId).sort()).toEqual(runs.map((r) => r.runId).sort());
  });

  it('refuses to run a process that takes no day once a day, and runs the daily ones named with --only', async () => {
    writeProcess();
    ws.write('config/backup.yaml', 'nightly_backup:\n  type: command\n  run: { shell: "echo ran >> backup-ran.txt" }\n');
    const refused = await runCli(['--from', '2021-04-26', '--to', '2021-04-27'], { cwd: ws.dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--from/--to runs a process once a day, and "nightly_backup" (command) takes no day: name the processes to run with --only (kinds that take a day: scan, adatrap)');
    expect(ws.exists('backup-ran.txt')).toBe(false);
    const named = await runCli(['--json', '--only', 'adatrap_day', '--from', '2021-04-26', '--to', '2021-04-27'], { cwd: ws.dir });
    expect(named.code).toBe(0);
    expect((JSON.parse(named.stdout) as RunSummary[]).map((r) => r.processes.map((p) => p.name))).toEqual([['adatrap_day'], ['adatrap_day']]);
    expect(ws.exists('backup-ran.txt')).toBe(false);
  });

  it('through the queue, each day is a job a worker runs', async () => {
    const redis = await RedisServer.start();
    const worker = startCli(['worker', '--queue', redis.url, '--concurrency', '2'], { cwd: ws.dir });
    let workerLog = '';
    worker.child.stderr!.on('data', (d) => (workerLog += d));
    try {
      writeProcess({ archive: { bucket: 'adatrap-out', key: 'queued/{date}.zip' } });
      await waitFor(() => /taking jobs from/.test(workerLog), EVENT_MS, 'the worker to start');
      const { code, stdout, stderr } = await runCli(['--json', '--queue', redis.url, '--from', '2021-04-26', '--to', '2021-04-27'], { cwd: ws.dir });
      expect(code, stderr).toBe(0);
      const runs = JSON.parse(stdout) as RunSummary[];
      expect(runs.map((r) => r.processes[0]!.status)).toEqual(['success', 'success']);
      expect(stderr.match(/adatrap_day \(adatrap\): Running on worker/g)).toHaveLength(2);
      // The worker processed each day it was given: its log names both.
      expect(workerLog).toContain('Processing 2021-04-26 (local).');
      expect(workerLog).toContain('Processing 2021-04-27 (local).');
      for (const day of ['2021-04-26', '2021-04-27']) expect(await headStatus('adatrap-out', `queued/${day}.zip`)).toBe(200);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.done;
      await redis.stop();
    }
  });
});

describe('adatrap process files, checked before anything runs', () => {
  it.each([
    [{ inputs: { po: { bucket: 'adatrap-po', key: 'po.zip', select: 'latest_on_or_before' } } }, 'expected the key of input "po" (select: latest_on_or_before) to name {date}, got "po.zip"'],
    [{ inputs: { d: { bucket: 'adatrap-dict', key: 'D_{from:YYYYMMDD}.csv', select: 'range_covering' } } }, 'expected the key of input "d" (select: range_covering) to name {to}'],
    [{ inputs: { g: { bucket: 'adatrap-gps', key: '{date:DDMMYY}.gz' } } }, '"{date:DDMMYY}" is not a day layout'],
    [{ run: { where: 'local', image_id: 'ami-0abcdef12' } }, '"image_id" is for where: ec2; this process runs where: local'],
    [{ run: { where: 'ec2', image_id: 'ami-0abcdef12' } }, 'instance_type'],
    [{ run: { where: 'local', command: ['wine', '{exe}', '{parameters}'] } }, '"{exe}" names no value here'],
    [{ archive: { bucket: 'Bad_Bucket' } }, 'an S3 bucket name'],
    [{ run: { where: 'ec2', image_id: 'ami-0abcdef12', instance_type: 'c5.large', instance_profile: 'adatrap', log_group: 'adatrap', env: { LICENSE_TOKEN: 'x' } } }, 'run.env.LICENSE_TOKEN looks like a secret'],
    [{ run: { where: 'ec2', image_id: 'ami-0abcdef12', instance_type: 'c5.large', instance_profile: 'adatrap', log_group: 'adatrap' }, program: { executable: { bucket: 'adatrap-exe', key: 'a.exe' }, parameters: { bucket: 'adatrap-exe', key: 'a.par', values: { db_password: 'x' } } } }, 'program.parameters.values.db_password looks like a secret'],
    [{ inputs: { g: { bucket: 'adatrap-gps', key: '{date}.gz', as: '../../etc/cron.d/x' } } }, 'expected inputs.g.as to be a path inside the work folder, got "../../etc/cron.d/x"'],
    [{ outputs: { files: ['../../../../etc/hostname'] } }, 'expected outputs.files.0 to be a path inside the work folder, got "../../../../etc/hostname"'],
  ])('refuses %j', async (extra, message) => {
    ws.write('config/adatrap.yaml', `bad_day: ${JSON.stringify({ ...dayProcess(s3, 'work'), ...extra })}\n`);
    const { code, stdout } = await runCli(['--validate-only'], { cwd: ws.dir });
    expect(code).toBe(2);
    expect(stdout).toContain('config/adatrap.yaml:1:');
    expect(stdout).toContain('process "bad_day"');
    expect(stdout).toContain(message);
  });

  it('never prints the S3 secret key, in any encoding, in a message, the summary or the logs', async () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY';
    writeProcess();
    ws.write('config/adatrap.yaml', ws.read('config/adatrap.yaml').replace('"secret_access_key":"S3RVER"', '"secret_access_key":"${S3_SECRET}"'));
    const { stdout, stderr } = await runCli(['--json', '--date', '2021-06-10', '--verbose'], { cwd: ws.dir, env: { S3_SECRET: secret } });
    expect(JSON.parse(stdout).processes[0].error.code).toBe('E_ADATRAP_INPUT');
    for (const text of [stdout, stderr, ws.readAll('logs')]) {
      for (const encoded of [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)]) expect(text).not.toContain(encoded);
    }
  });

});
