import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkObjects } from '../../src/archive/check.js';
import { LocalStore } from '../../src/archive/local-store.js';
import type { SqliteManifest } from '../../src/archive/manifest.js';
import { readAnyManifest } from '../../src/archive/manifest.js';
import { archiveSqliteAfterRun } from '../../src/archive/sqlite-archive.js';
import type { PipelineContext } from '../../src/core/pipeline.js';
import { spawnTied } from '../helpers/tied.js';

// The archive step of the scan and logs kinds, called as their runs call it, on a database another process writes.
let dir: string;
let writer: ReturnType<typeof spawnTied> | undefined;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'sat-sqlite-archive-'))));
afterEach(async () => {
  if (writer && writer.exitCode === null && writer.signalCode === null) {
    writer.kill('SIGKILL');
    await once(writer, 'exit');
  }
  writer = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const logs: string[] = [];
const ctx = (): PipelineContext =>
  ({
    runId: 'r1',
    process: 'web',
    kind: 'logs',
    file: 'config/web.yaml',
    cwd: dir,
    signal: new AbortController().signal,
    log: { debug: () => {}, info: (m: string) => logs.push(m), warn: (m: string) => logs.push(m), error: (m: string) => logs.push(m) },
    progress: () => {},
  }) as unknown as PipelineContext;

// Each transaction adds one row to `orders` and one to `lines`: a consistent copy has as many of one as of the other.
const WRITER = `
const Database = require(process.argv[3]);
const db = new Database(process.argv[2]);
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 10000');
db.exec('CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, note TEXT); CREATE TABLE IF NOT EXISTS lines (id INTEGER PRIMARY KEY, order_id INTEGER, body TEXT)');
const add = db.transaction((i) => {
  const id = db.prepare('INSERT INTO orders (note) VALUES (?)').run('order ' + i).lastInsertRowid;
  db.prepare('INSERT INTO lines (order_id, body) VALUES (?, ?)').run(id, 'x'.repeat(200));
});
for (let i = 0; ; i++) {
  add(i);
  if (i === 2000) process.stdout.write('writing\\n');
}
`;

describe('a SQLite archive (scan, logs)', () => {
  it('copies a database while another process inserts into it, and the copy opens with consistent counts', async () => {
    const db = join(dir, 'data.db');
    writeFileSync(join(dir, 'writer.cjs'), WRITER);
    writer = spawnTied(process.execPath, [join(dir, 'writer.cjs'), db, fileURLToPath(import.meta.resolve('better-sqlite3'))], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    // Started writing (2,000 transactions in): the copy is made while the writer goes on.
    await new Promise<void>((resolve, reject) => {
      writer!.stdout!.on('data', (b: Buffer) => b.toString().includes('writing') && resolve());
      writer!.once('exit', (code) => reject(new Error(`the writer ended (exit ${code}) before it wrote`)));
    });
    const places = [{ path: join(dir, 'archives') }, { path: join(dir, 'second') }];
    const outcome = await archiveSqliteAfterRun({ records: { read: 1, written: 1, rejected: 0 } }, [db], places, ctx());
    expect(writer.exitCode, 'the writer was still writing when the copy ended').toBeNull();
    expect(outcome.error, JSON.stringify(outcome.error)).toBeUndefined();
    expect(outcome.integrity?.checks.map((c) => c.ok)).toEqual([true, true]);

    const [id] = readdirSync(join(dir, 'archives'));
    expect(readdirSync(join(dir, 'second'))).toEqual([id]);
    const store = new LocalStore(join(dir, 'archives'));
    const manifest = (await readAnyManifest(store, id!)) as SqliteManifest;
    expect(manifest).toMatchObject({ id, parent: null, mode: 'full', kind: 'logs', contents: 'sqlite', process: 'web', checksum_algorithm: 'sha256' });
    const [object] = manifest.objects;
    expect(object!.tables.orders).toBeGreaterThan(2000);
    expect(object!.tables.lines).toBe(object!.tables.orders);
    expect(manifest.rows).toBe(object!.tables.orders! * 2);
    // Read back whole: checksum, integrity_check and the counts per table.
    const checked = await checkObjects(store, manifest, true);
    expect(checked.problems).toEqual([]);
    expect(checked.rows).toBe(manifest.rows);
  });

  it('finds a damaged byte only when it reads the data, and names what differs', async () => {
    const db = new Database(join(dir, 'data.db'));
    db.exec("CREATE TABLE t (v TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) INSERT INTO t SELECT 'row ' || i FROM n");
    db.close();
    const outcome = await archiveSqliteAfterRun({}, [join(dir, 'data.db')], [{ path: join(dir, 'archives') }], ctx());
    expect(outcome.error).toBeUndefined();
    const store = new LocalStore(join(dir, 'archives'));
    const [id] = readdirSync(join(dir, 'archives'));
    const manifest = await readAnyManifest(store, id!);
    const file = join(dir, 'archives', manifest.objects[0]!.key);
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(file, bytes);
    expect((await checkObjects(store, manifest, false)).problems).toEqual([]);
    const [problem] = (await checkObjects(store, manifest, true)).problems;
    expect(problem?.problem).toMatch(/cannot be read|checksum|bytes decompressed/);
  });

  it('leaves no manifest where a place cannot be written, fails with E_ARCHIVE naming it, and still writes the others', async () => {
    const db = new Database(join(dir, 'data.db'));
    db.exec('CREATE TABLE t (v); INSERT INTO t VALUES (1)');
    db.close();
    writeFileSync(join(dir, 'blocked'), 'a file where a folder should be');
    const outcome = await archiveSqliteAfterRun({}, [join(dir, 'data.db')], [{ path: join(dir, 'blocked') }, { path: join(dir, 'archives') }], ctx());
    expect(outcome.error?.code).toBe('E_ARCHIVE');
    expect(outcome.error?.message).toContain(join(dir, 'blocked'));
    expect(outcome.error?.message).toContain('no manifest was written');
    expect(outcome.integrity?.checks.map((c) => c.ok)).toEqual([false, true]);
    const [id] = readdirSync(join(dir, 'archives'));
    expect(readdirSync(join(dir, 'archives', id!))).toContain('manifest.json');
  });

  it('archives nothing after a run that failed', async () => {
    const outcome = await archiveSqliteAfterRun({ error: { code: 'E_PIPELINE', message: 'no' } }, [join(dir, 'none.db')], [{ path: join(dir, 'archives') }], ctx());
    expect(outcome.error?.code).toBe('E_PIPELINE');
    expect(() => readdirSync(join(dir, 'archives'))).toThrow(/ENOENT/);
  });
});
