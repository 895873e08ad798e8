import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { BUCKETS, dayProcess, FAKE_PROGRAM, seedDay, TEST_PAR, zipOf } from '../helpers/adatrap-day.js';
import { runCli, Workspace } from '../helpers/cli.js';
import { FlakyProxy } from '../helpers/flaky-proxy.js';
import { S3Server } from '../helpers/s3-server.js';
import { Tmpfs } from '../helpers/tmpfs.js';

let s3: S3Server;
let ws: Workspace;
beforeAll(async () => {
  s3 = await S3Server.start(BUCKETS);
});
afterAll(async () => s3?.stop());
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

async function run(day: string, process: Record<string, unknown>) {
  ws.write('config/adatrap.yaml', `adatrap_day: ${JSON.stringify(process)}\n`);
  const { code, stdout, stderr } = await runCli(['--json', '--date', day], { cwd: ws.dir });
  if (!stdout.startsWith('{')) throw new Error(`no summary (exit ${code}): ${stderr}`);
  return { code, stderr, process: (JSON.parse(stdout) as RunSummary).processes[0]!, logs: ws.readAll('data/logs') };
}

async function archived(day: string): Promise<boolean> {
  const client = s3.client();
  try {
    await client.send(new HeadObjectCommand({ Bucket: 'adatrap-out', Key: `${day}.zip` }));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

const seeded = (day: string) => seedDay(s3, day, { poDay: '2021-04-19', dictFrom: '2021-07-01', dictTo: '2021-12-31' });

describe('adatrap when things go wrong', () => {
  it('downloads again an input whose connection breaks halfway, and the day completes with the right bytes', async () => {
    const day = '2021-07-01';
    await seeded(day);
    // An input of 2 MB that does not compress: the proxy cuts the first two answers after 256 KB.
    const gps = gzipSync(randomBytes(2 * 1024 * 1024).toString('base64'));
    await s3.put('adatrap-gps', `${day}.gps.gz`, gps);
    const proxy = await FlakyProxy.start(s3.endpoint, { breaks: 2, afterBytes: 256 * 1024, anyConnection: true });
    try {
      const { process, logs } = await run(day, { ...dayProcess(s3, 'work'), storage: { ...s3.storage(), endpoint: proxy.url, retries: 4 } });
      expect(process.error, logs).toBeUndefined();
      expect(process.status).toBe('success');
      expect(proxy.broken).toBe(2);
      const check = process.integrity!.checks.find((c) => c.name === 'input gps')!;
      expect(check.actual).toEqual({ key: `s3://adatrap-gps/${day}.gps.gz`, bytes: gps.length, sha256: createHash('sha256').update(gps).digest('hex') });
      expect(logs).toMatch(/Input \\?"gps\\?": downloading again \(attempt 2\)/);
      expect(await archived(day)).toBe(true);
    } finally {
      await proxy.stop();
    }
  });

  it('refuses an input that is not what its name says (a .gz that is not gzip)', async () => {
    const day = '2021-07-02';
    await seeded(day);
    await s3.put('adatrap-trx', `${day}.trx.gz`, 'plain text, not gzip\n');
    const { process } = await run(day, dayProcess(s3, 'work'));
    expect(process.status).toBe('failed');
    expect(process.error!.code).toBe('E_ADATRAP_INPUT');
    expect(process.error!.message).toContain(`input "trx": s3://adatrap-trx/${day}.trx.gz is not gzip data`);
    expect(await archived(day)).toBe(false);
  });

  it('refuses a zip whose entry would be written outside its folder, and writes nothing there', async () => {
    const day = '2021-07-20';
    await seeded(day);
    // zip writers refuse such a name, so the zip is made with a harmless one of the same length, then patched.
    const zip = await zipOf({ [`${day}/ok.csv`]: 'x\n', 'XX/XX/escaped.txt': 'pwned\n' });
    await s3.put('adatrap-po', `${day}.po.zip`, Buffer.from(zip.toString('latin1').replaceAll('XX/XX/escaped.txt', '../../escaped.txt'), 'latin1'));
    const { process } = await run(day, dayProcess(s3, 'work'));
    expect(process.status).toBe('failed');
    expect(process.error!.code).toBe('E_ADATRAP_INPUT');
    expect(process.error!.message).toMatch(new RegExp(`input "po": unpacking s3://adatrap-po/${day}\\.po\\.zip: .*\\.\\./\\.\\./escaped\\.txt`));
    expect(existsSync(ws.path('escaped.txt'))).toBe(false);
    expect(existsSync(ws.path('work/escaped.txt'))).toBe(false);
  });

  it('a full disk fails the day naming it and uploads nothing; with room again, the next run completes', async () => {
    const day = '2021-07-05';
    await seeded(day);
    // 3 MB of inputs that do not compress, on a disk of 2 MB.
    await s3.put('adatrap-196', `${day}.196.gz`, gzipSync(randomBytes(3 * 1024 * 1024)));
    const disk = new Tmpfs(ws.path('disk'), '2m');
    const first = await run(day, dayProcess(s3, disk.path('work')));
    expect(first.process.status).toBe('failed');
    expect(first.process.error!.message).toMatch(/ENOSPC|no space left on device/i);
    expect(await archived(day)).toBe(false);
    disk.unmount();
    const second = await run(day, dayProcess(s3, ws.path('disk/work')));
    expect(second.process.error).toBeUndefined();
    expect(second.process.status).toBe('success');
    expect(await archived(day)).toBe(true);
  });

  it('keeps the bytes of a Latin-1 .par (ñ, á) as they are, and puts the values in', async () => {
    const day = '2021-07-06';
    await seeded(day);
    const latin1 = Buffer.concat([readFileSync(TEST_PAR), Buffer.from('* Dise\xf1o de la red, a\xf1o {date}\r\n', 'latin1')]);
    await s3.put('adatrap-exe', 'latin1.par', latin1);
    const base = dayProcess(s3, 'work', { keep_work: 'always' });
    const program = base.program as { parameters: object };
    const { process } = await run(day, { ...base, program: { ...program, parameters: { ...program.parameters, key: 'latin1.par' } } });
    expect(process.error).toBeUndefined();
    const written = readFileSync(ws.path(`work/adatrap_day/${day}/work/${day}.par`));
    expect(written.includes(Buffer.from([0xef, 0xbf, 0xbd]))).toBe(false);
    expect(written.includes(Buffer.from(`* Dise\xf1o de la red, a\xf1o ${day}\r\n`, 'latin1'))).toBe(true);
  });

  it('a zip cannot replace the pinned program: it runs from a folder no input writes to', async () => {
    const day = '2021-07-07';
    await seeded(day);
    const evil = '#!/bin/sh\necho EVIL PROGRAM RAN; exit 7\n';
    await s3.put('adatrap-po', `${day}.po.zip`, await zipOf({ [`${day}/Paraderos/ConsolidadoParadas_PO${day.replaceAll('-', '')}.csv`]: 'x\n', 'program/pvmtsc_v0.2.exe': evil, '.program/pvmtsc_v0.2.exe': evil }));
    const pinned = createHash('sha256').update(readFileSync(FAKE_PROGRAM)).digest('hex');
    const base = dayProcess(s3, 'work');
    const program = base.program as { parameters: object };
    const { process, logs } = await run(day, { ...base, program: { ...program, executable: { bucket: 'adatrap-exe', key: 'pvmtsc_v0.2.exe', sha256: pinned } } });
    expect(process.error).toBeUndefined();
    expect(process.status).toBe('success');
    expect(logs).not.toContain('EVIL PROGRAM RAN');
  });

  it('two processes on the same day, at once, each in its own folder', async () => {
    const day = '2021-07-08';
    await seeded(day);
    const v02 = dayProcess(s3, 'work', { archive: { bucket: 'adatrap-out', key: 'v02/{date}.zip' } });
    const v03 = dayProcess(s3, 'work', { archive: { bucket: 'adatrap-out', key: 'v03/{date}.zip' } });
    ws.write('config/adatrap.yaml', `v02: ${JSON.stringify(v02)}\nv03: ${JSON.stringify(v03)}\n`);
    const { code, stdout } = await runCli(['--json', '--date', day, '-p', '2'], { cwd: ws.dir });
    expect((JSON.parse(stdout) as RunSummary).processes.map((p) => [p.name, p.status, p.error?.message])).toEqual([
      ['v02', 'success', undefined],
      ['v03', 'success', undefined],
    ]);
    expect(code).toBe(0);
  });

  it('a failed input stops the other downloads: with keep_work: never, nothing is left once the day ends', async () => {
    const day = '2021-07-09';
    await seeded(day);
    await s3.put('adatrap-gps', `${day}.gps.gz`, 'not gzip');
    await s3.put('adatrap-trx', `${day}.trx.gz`, gzipSync(randomBytes(8 * 1024 * 1024)));
    const { process } = await run(day, dayProcess(s3, 'work', { keep_work: 'never' }));
    expect(process.error!.message).toContain(`input "gps": s3://adatrap-gps/${day}.gps.gz is not gzip data`);
    expect(existsSync(ws.path(`work/adatrap_day/${day}`))).toBe(false);
  });
});
