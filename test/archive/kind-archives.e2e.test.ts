import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { zstdDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FilesManifest, SqliteManifest } from '../../src/archive/manifest.js';
import type { RunSummary } from '../../src/core/result.js';
import { runCli, Workspace } from '../helpers/cli.js';
import { nginxCombined } from '../helpers/log-lines.js';
import { S3Server } from '../helpers/s3-server.js';

// Archives of the logs and command kinds made by the real CLI, to a folder and to a local S3 server, proven by
// `main check`.
let ws: Workspace;
let s3: S3Server;
beforeAll(async () => {
  s3 = await S3Server.start(['backups']);
});
afterAll(async () => {
  await s3?.stop();
});
const s3Env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

async function run(): Promise<{ code: number | null; process: RunSummary['processes'][number]; stderr: string }> {
  const { code, stdout, stderr } = await runCli(['--json'], { cwd: ws.dir });
  if (!stdout.startsWith('{')) throw new Error(`main printed no summary (exit ${code}):\n${stderr}`);
  return { code, process: (JSON.parse(stdout) as RunSummary).processes[0]!, stderr };
}

const check = (...args: string[]) => runCli(['check', ...args], { cwd: ws.dir });
const onlyArchive = (dir: string) => {
  const ids = readdirSync(ws.path(dir));
  expect(ids).toHaveLength(1);
  return ids[0]!;
};
const decompress = (m: { compression: string }, bytes: Buffer) => (m.compression === 'zstd' ? zstdDecompressSync(bytes) : gunzipSync(bytes));

describe('a logs archive', () => {
  it('holds the logs database after a run, with its rows per table, and main check --read-data proves it', async () => {
    mkdirSync(ws.path('logs'), { recursive: true });
    writeFileSync(ws.path('logs/access.log'), nginxCombined(50).text);
    ws.write('config/web.yaml', 'web:\n  type: logs\n  inputs: ["logs/access.log"]\n  format: nginx-combined\n  archive: { path: archives }\n');
    const { code, process, stderr } = await run();
    expect(code, stderr + JSON.stringify(process.error)).toBe(0);
    expect(process.integrity?.checks.find((c) => c.name.startsWith('archive '))).toMatchObject({ ok: true, name: `archive ${ws.path('archives')}` });
    const id = onlyArchive('archives');
    const manifest = JSON.parse(ws.read(`archives/${id}/manifest.json`)) as SqliteManifest;
    expect(manifest).toMatchObject({ id, parent: null, kind: 'logs', contents: 'sqlite', process: 'web' });
    expect(manifest.objects[0]!.database).toBe(ws.path('data/logs.db'));
    expect(manifest.objects[0]!.tables.http_entries).toBe(50);

    const ok = await check('archives', '--read-data');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`${id}  full`);
    expect(ok.stdout).toContain(`${manifest.rows} rows`);
    expect(ok.stdout).toContain('all well');

    // Restored into a folder: the database, read back; a second restore there refuses to overwrite it.
    const restored = await runCli(['restore', 'archives', '--to', 'restored'], { cwd: ws.dir });
    expect(restored.code, restored.stderr).toBe(0);
    const db = new Database(ws.path('restored/logs.db'), { readonly: true });
    expect(db.prepare('SELECT count(*) FROM http_entries').pluck().get()).toBe(50);
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    db.close();
    const again = await runCli(['restore', 'archives', '--to', 'restored'], { cwd: ws.dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`main: restore: refusing to overwrite ${ws.path('restored/logs.db')}, which is there`);

    // A byte changed inside the object, its size kept: found only by reading it.
    const object = ws.path(`archives/${manifest.objects[0]!.key}`);
    const bytes = readFileSync(object);
    bytes[bytes.length - 20]! ^= 0x01;
    writeFileSync(object, bytes);
    expect((await check('archives')).code).toBe(0);
    const bad = await check(`archives/${id}`, '--read-data');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`main: check: archive ${id}, object ${manifest.objects[0]!.key}: `);
  });

  it('is refused for a scan process whose store is InfluxDB, before anything runs', async () => {
    ws.write('sources/SCAN/BORDE', 'https://127.0.0.1:9/a.log;a;10;x\n');
    ws.write('config/scan.yaml', 'scan:\n  type: scan\n  layers: [BORDE]\n  store: { kind: influxdb, url: "http://127.0.0.1:9", database: scan }\n  archive: { path: archives }\n');
    const { code, stderr, stdout } = await runCli(['--validate-only'], { cwd: ws.dir });
    expect(code).not.toBe(0);
    expect(stderr + stdout).toContain('"archive" copies the SQLite store, and store.kind is "influxdb"');
  });
});

describe('a command archive', () => {
  const commandFile = (paths: string) =>
    `dump:\n  type: command\n  run: { shell: "mkdir -p out/sub && printf hello > out/a.txt && printf x > out/sub/b && ln -sf /etc/passwd out/passwd && printf r > report.txt" }\n  archive:\n    paths: [${paths}]\n    to:\n      - { path: archives }\n      - { s3: { bucket: backups, prefix: dump, region: us-east-1, endpoint: "${s3.endpoint}", force_path_style: true, credentials: { access_key_id: S3RVER, secret_access_key: S3RVER } } }\n`;

  it('streams the files the command produced as one tar, symbolic links as links, to a folder and S3, and main check --read-data proves it', async () => {
    ws.write('config/dump.yaml', commandFile('out, report.txt'));
    const { code, process, stderr } = await run();
    expect(code, stderr + JSON.stringify(process.error)).toBe(0);
    const id = onlyArchive('archives');
    const manifest = JSON.parse(ws.read(`archives/${id}/manifest.json`)) as FilesManifest;
    expect(manifest).toMatchObject({ id, parent: null, mode: 'full', kind: 'command', contents: 'tar', process: 'dump', files: 3, file_bytes: 7 });
    expect(manifest.objects[0]!.paths).toEqual(['out', 'report.txt']);

    // GNU tar reads it: the link is a link to where it pointed, not the file it points at.
    const tar = decompress(manifest, readFileSync(ws.path(`archives/${manifest.objects[0]!.key}`)));
    const listing = execFileSync('tar', ['-tvf', '-'], { input: tar }).toString();
    expect(listing).toMatch(/^l.* out\/passwd -> \/etc\/passwd$/m);
    expect(listing.split('\n').filter(Boolean).map((l) => l.split(/\s+/).slice(5).join(' '))).toEqual(['out/', 'out/a.txt', 'out/passwd -> /etc/passwd', 'out/sub/', 'out/sub/b', 'report.txt']);
    mkdirSync(ws.path('x'));
    execFileSync('tar', ['-xf', '-', '-C', ws.path('x')], { input: tar });
    expect(readFileSync(ws.path('x/out/a.txt'), 'utf8')).toBe('hello');

    // Extracted from S3 into a folder: the files, and the link as a link.
    const restored = await runCli(['restore', 's3://backups/dump', '--endpoint', s3.endpoint, '--to', 'back'], { cwd: ws.dir, env: s3Env });
    expect(restored.code, restored.stderr).toBe(0);
    expect(readFileSync(ws.path('back/out/sub/b'), 'utf8')).toBe('x');
    expect(readlinkSync(ws.path('back/out/passwd'))).toBe('/etc/passwd');
    const again = await runCli(['restore', 'archives', '--to', 'back'], { cwd: ws.dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('refusing to overwrite');

    const ok = await runCli(['check', 's3://backups/dump', '--endpoint', s3.endpoint, '--read-data', '--json'], { cwd: ws.dir, env: s3Env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, archives: [{ id, contents: 'tar', files: 3 }] });
  });

  it('restores no name that would land outside the folder, and writes nothing then', async () => {
    // A tar made by GNU tar, with a name that climbs out: placed as an archive of this tool would be.
    ws.write('evil/a.txt', 'a');
    const tar = execFileSync('tar', ['-cf', '-', '-C', ws.path('evil'), 'a.txt', '--transform', 's,^a.txt,../escaped.txt,', 'a.txt']);
    const { zstdCompressSync } = await import('node:zlib');
    const { createHash } = await import('node:crypto');
    const id = '20261202T000000.000Z';
    const body = zstdCompressSync(tar);
    ws.write(`archives/${id}/files.tar.zst`, '');
    writeFileSync(ws.path(`archives/${id}/files.tar.zst`), body);
    const manifest = { format: 'sysadmintoolkit-archive', format_version: 1, id, parent: null, mode: 'full', kind: 'command', contents: 'tar', process: 'x', created_at: '2026-12-02T00:00:00.000Z', tool: { name: 'sysadmintoolkit', version: '0' }, compression: 'zstd', checksum_algorithm: 'sha256', files: 2, file_bytes: 2, bytes: body.length, objects: [{ key: `${id}/files.tar.zst`, bytes: body.length, plain_bytes: tar.length, checksum: createHash('sha256').update(tar).digest('hex'), paths: ['a.txt'], files: 2, file_bytes: 2 }] };
    ws.write(`archives/${id}/manifest.json`, JSON.stringify(manifest));
    const refused = await runCli(['restore', 'archives', '--to', 'inside'], { cwd: ws.dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refusing "../escaped.txt" in the archive: it would be written outside');
    expect(ws.exists('inside')).toBe(false);
    expect(ws.exists('escaped.txt')).toBe(false);
  });

  it('fails the process naming the file, the process and the path when a path is missing, and writes no archive', async () => {
    ws.write('config/dump.yaml', commandFile('out, nowhere/dump.sql'));
    const { code, process } = await run();
    expect(code).not.toBe(0);
    expect(process.error?.code).toBe('E_ARCHIVE');
    expect(process.error?.message).toContain('config/dump.yaml: process "dump": archive path "nowhere/dump.sql" does not exist');
    expect(ws.exists('archives')).toBe(false);
  });
});
