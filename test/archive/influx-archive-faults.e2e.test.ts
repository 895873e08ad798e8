import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/archive/manifest.js';
import type { RunSummary } from '../../src/core/result.js';
import { EVENT_MS, runCli, startCli, waitFor, Workspace } from '../helpers/cli.js';
import { FlakyProxy } from '../helpers/flaky-proxy.js';
import { Influxd } from '../helpers/influxd.js';
import { InfluxProxy } from '../helpers/influx-proxy.js';

// An archive whose source breaks off mid-answer, and one stopped half-way.
let src: Influxd;
let fresh: Influxd;
let ws: Workspace;
let n = 0;
let db = '';
beforeAll(async () => {
  [src, fresh] = await Promise.all([Influxd.start(), Influxd.start()]);
});
afterAll(async () => {
  await Promise.all([src?.stop(), fresh?.stop()]);
});
beforeEach(async () => {
  ws = new Workspace();
  db = `db${++n}`;
  await src.query(`CREATE DATABASE ${db}`);
});
afterEach(() => ws.remove());

const T = 1700000000000000000n;

function archiveProcess(url: string, backupConfig: string): void {
  ws.write('config/archive.yaml', `nightly:\n  source_server: { url: "${url}", database: ${db} }\n  destination_archive: { path: archives }\n  backup_config: { ${backupConfig} }\n`);
}

const manifests = () => readdirSync(join(ws.dir, 'archives')).filter((id) => existsSync(join(ws.dir, 'archives', id, 'manifest.json')));

describe('influxdb-copy archives under faults', () => {
  it('reads a window again when its answer breaks off midway, and archives each point once', async () => {
    const lines = Array.from({ length: 40_000 }, (_, i) => `big,host=h${i % 10} v=${i}i,s="${'y'.repeat(20)}" ${T + BigInt(i) * 1_000_000n}`);
    for (let i = 0; i < lines.length; i += 10_000) await src.write(db, lines.slice(i, i + 10_000).join('\n'));
    // Small answers (SHOW …, the probes) pass; the first answer past 1 MB is cut.
    const proxy = await FlakyProxy.start(src.url, { breaks: 1, afterBytes: 1_000_000, anyConnection: true });
    try {
      archiveProcess(proxy.url, 'mode: full, validate_data: checksum, window: 1d');
      const { code, stdout, stderr } = await runCli(['--json', '-v'], { cwd: ws.dir });
      const p = (JSON.parse(stdout) as RunSummary).processes[0]!;
      expect(code, JSON.stringify(p.error)).toBe(0);
      expect(proxy.broken).toBe(1);
      expect(stderr).toMatch(/Archiving big \[autogen\] from .* again \(attempt 1\)/);
      expect(p.records?.written).toBe(40_000);
    } finally {
      await proxy.stop();
    }
    expect((await runCli(['check', 'archives', '--read-data'], { cwd: ws.dir })).code).toBe(0);
    const restored = await runCli(['restore', 'archives', '--to', fresh.url], { cwd: ws.dir });
    expect(restored.code, restored.stderr).toBe(0);
    expect(await fresh.dump(db)).toEqual(await src.dump(db));
  });

  it('leaves an archive stopped half-way without a manifest: check says so, and the next run does not take it for a parent', async () => {
    await src.write(db, [`a_fast v=1i ${T}`, `b_slow v=2i ${T}`].join('\n'));
    // b_slow's data is slow to come: the stop arrives while a_fast's object is written and b_slow's is not.
    const proxy = await InfluxProxy.start(src.url, [{ match: (r) => r.path === '/query' && r.body.includes('b_slow') && r.body.startsWith('SELECT'), bodyDelayMs: 60_000 }]);
    try {
      archiveProcess(proxy.url, 'mode: incremental, read_concurrency: 1');
      const run = startCli(['--json'], { cwd: ws.dir });
      const objects = () => (existsSync(join(ws.dir, 'archives')) ? readdirSync(join(ws.dir, 'archives'), { recursive: true }).map(String).filter((f) => f.endsWith('.lp.zst')) : []);
      await waitFor(() => objects().length === 1, EVENT_MS, "a_fast's object");
      run.child.kill('SIGTERM');
      const stopped = await run.done;
      expect(stopped.code).toBe(143);
      expect(JSON.parse(stopped.stdout).processes[0]).toMatchObject({ status: 'interrupted', error: { code: 'E_INTERRUPTED' } });
    } finally {
      await proxy.stop();
    }
    expect(manifests()).toEqual([]);
    const none = await runCli(['check', 'archives'], { cwd: ws.dir });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no complete archive in .* \(1 incomplete, without manifest.json\)/);
    const refused = await runCli(['restore', 'archives', '--to', fresh.url], { cwd: ws.dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/no complete archive .*1 incomplete/);

    archiveProcess(src.url, 'mode: incremental');
    const again = await runCli(['--json'], { cwd: ws.dir });
    expect(again.code, again.stderr).toBe(0);
    const [id] = manifests();
    const { readFileSync } = await import('node:fs');
    const manifest = JSON.parse(readFileSync(join(ws.dir, 'archives', id!, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest).toMatchObject({ parent: null, mode: 'full', points: 2 });
    const check = await runCli(['check', 'archives'], { cwd: ws.dir });
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/incomplete \(no manifest.json\): never used/);
  });
});
