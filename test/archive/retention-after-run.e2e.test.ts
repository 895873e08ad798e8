import { readdirSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listArchives } from '../../src/archive/manifest.js';
import { S3Store } from '../../src/archive/s3-store.js';
import type { RunSummary } from '../../src/core/result.js';
import { runCli, Workspace } from '../helpers/cli.js';
import { Influxd } from '../helpers/influxd.js';
import { S3Server, S3_CREDENTIALS } from '../helpers/s3-server.js';

// Retention applied by a real run of the CLI after it archived a real influxd: into a folder and into S3.
let src: Influxd;
let s3: S3Server;
let ws: Workspace;
let n = 0;
let db = '';
beforeAll(async () => {
  [src, s3] = await Promise.all([Influxd.start(), S3Server.start(['backups'])]);
});
afterAll(async () => {
  await Promise.all([src?.stop(), s3?.stop()]);
});
beforeEach(async () => {
  ws = new Workspace();
  db = `ret${++n}`;
  await src.query(`CREATE DATABASE ${db}`);
  await src.write(db, 'cpu,host=a v=1i 1700000000000000000\ncpu,host=b v=2i 1700000000000000001');
});
afterEach(() => ws.remove());

async function run(): Promise<RunSummary['processes'][number]> {
  const { code, stdout, stderr } = await runCli(['--json'], { cwd: ws.dir });
  if (!stdout.startsWith('{')) throw new Error(`main printed no summary (exit ${code}):\n${stderr}`);
  const result = (JSON.parse(stdout) as RunSummary).processes[0]!;
  expect(code, JSON.stringify(result.error) + stderr).toBe(0);
  return result;
}

const processFile = (destination: string, mode: string, retention: string) =>
  ws.write('config/archive.yaml', `nightly:\n  source_server: { url: "${src.url}", database: ${db} }\n  destination_archive: ${destination}\n  backup_config: { mode: ${mode} }\n  retention: ${retention}\n`);

describe('retention after a successful run', () => {
  it('deletes the full archives keep_last no longer keeps, and says so in the summary', async () => {
    processFile('{ path: archives }', 'full', '{ keep_last: 1 }');
    expect((await run()).retention).toEqual({ deleted: 0, kept: 1 });
    const [first] = readdirSync(ws.path('archives'));
    const second = await run();
    expect(second.retention).toEqual({ deleted: 1, kept: 1 });
    const left = readdirSync(ws.path('archives'));
    expect(left).toHaveLength(1);
    expect(left[0]).not.toBe(first);
  });

  it('keeps the whole chain a kept incremental archive needs', async () => {
    processFile('{ path: archives }', 'incremental', '{ keep_last: 1 }');
    await run();
    await src.write(db, 'cpu,host=a v=3i 1700000000000000002');
    expect((await run()).retention).toEqual({ deleted: 0, kept: 2 });
    expect(readdirSync(ws.path('archives'))).toHaveLength(2);
  });

  it('deletes from S3 as from a folder', async () => {
    const prefix = `influx/${db}`;
    processFile(`{ s3: { bucket: backups, prefix: "${prefix}", region: us-east-1, endpoint: "${s3.endpoint}", force_path_style: true, credentials: { access_key_id: S3RVER, secret_access_key: S3RVER } } }`, 'full', '{ keep_last: 2 }');
    for (let i = 0; i < 3; i++) await run();
    const store = new S3Store({ bucket: 'backups', prefix, region: 'us-east-1', endpoint: s3.endpoint, force_path_style: true, credentials: S3_CREDENTIALS, retries: 1 });
    try {
      expect(await listArchives(store)).toMatchObject({ incomplete: [] });
      expect((await listArchives(store)).complete).toHaveLength(2);
    } finally {
      store.close();
    }
  });
});
