import { readFileSync } from 'node:fs';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, Workspace } from '../helpers/cli.js';

// Start-up is a feature (issue 14, points 8 and 9): a run, or a validation, loads what its command and the kinds of
// its processes need and nothing more. The clients of services a run does not touch cost hundreds of milliseconds
// at every start of `main` (BullMQ alone took 420 ms), so a regression here is a slower backup for every user.
const RECORDER = pathToFileURL(fileURLToPath(new URL('../helpers/import-recorder.mjs', import.meta.url))).href;
const HEAVY = ['bullmq', 'ioredis', '@aws-sdk/client-s3', '@aws-sdk/client-ec2', '@aws-sdk/lib-storage', 'fastify', 'nodemailer', 'prom-client', 'influx', 'playwright-core'];

describe('what main loads', () => {
  let ws: Workspace;
  afterEach(() => ws?.remove());

  async function packagesLoadedBy(args: string[]): Promise<string[]> {
    const file = ws.path('imports.txt');
    const r = await runCli(args, { cwd: ws.dir, env: { SAT_IMPORTS_FILE: file, NODE_OPTIONS: `--import=${RECORDER}` } });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    return [...new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean))];
  }

  it('a run of a command process and a validation of every kind load no service client', async () => {
    ws = new Workspace();
    ws.write('config/backup.yaml', 'nightly:\n  type: command\n  run: { argv: ["true"] }\n');
    const run = await packagesLoadedBy(['--json', '--state', ws.path('state.db')]);
    expect(run.filter((p) => HEAVY.includes(p))).toEqual([]);
    // Nor Node's own undici, in main or the child: node:http is taken through require (src/lib/node-http.ts).
    expect(run).toContain('node:builtins-listed');
    expect(run).not.toContain('node:undici');
    // Validation compiles every kind's schema it meets, and imports every kind's definition: still no client.
    const storage = { region: 'us-east-1', endpoint: 'http://127.0.0.1:9', force_path_style: true };
    ws.write('config/more.yaml', [
      `copy: ${JSON.stringify({ type: 'influxdb-copy', source_server: { url: 'http://127.0.0.1:9', database: 'db' }, destination_archive: { s3: { bucket: 'b', ...storage } }, backup_config: {} })}`,
      `miner: ${JSON.stringify({ type: 'adatrap', storage, program: { executable: { bucket: 'exe', key: 'p.exe' }, parameters: { bucket: 'exe', key: 'p.par' } }, inputs: { gps: { bucket: 'gps', key: '{date}.gps' } }, run: { where: 'local' }, archive: { bucket: 'out' } })}`,
      '',
    ].join('\n'));
    const validate = await packagesLoadedBy(['--validate-only']);
    expect(validate.filter((p) => HEAVY.includes(p))).toEqual([]);
    expect(validate).toContain('ajv'); // the recorder saw the packages main did load
    expect(validate).not.toContain('node:undici');
  });
});
