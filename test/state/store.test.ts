import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runInChild } from '../../src/orchestrator/child-runner.js';
import type { ProcessResult } from '../../src/core/result.js';
import { openCheckpoints } from '../../src/state/checkpoints.js';
import { StateStore } from '../../src/state/store.js';
import type { LogMessage } from '../../src/runtime/protocol.js';
import { Bookkeeping } from '../../src/state/bookkeeping.js';
import { Workspace } from '../helpers/cli.js';
import { corruptPagesHolding } from '../helpers/damage.js';
import { Tmpfs } from '../helpers/tmpfs.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove()); // and the disk a test mounted in it

const result = (name: string, status: ProcessResult['status'], startedAt: string): ProcessResult => ({
  name,
  file: 'config/a.yaml',
  type: 'command',
  status,
  startedAt,
  durationMs: 1500,
  ...(status === 'success' ? {} : { error: { code: 'E_COMMAND', message: `${name} broke` } }),
});

describe('the state store', () => {
  it('creates its folder and records runs and their process results, newest run first', () => {
    const store = new StateStore(ws.path('deep/er/state.db'));
    store.beginRun('r1', '2026-11-22T04:00:00.000Z', './config');
    store.recordProcess('r1', result('a', 'success', '2026-11-22T04:00:00.000Z'));
    store.finishRun({ runId: 'r1', startedAt: '2026-11-22T04:00:00.000Z', finishedAt: '2026-11-22T04:00:02.000Z', status: 'success', processes: [] });
    store.beginRun('r2', '2026-11-23T04:00:00.000Z', './config');
    store.recordProcess('r2', result('a', 'success', '2026-11-23T04:00:00.000Z'));
    store.recordProcess('r2', result('b', 'failed', '2026-11-23T04:00:01.000Z'));
    const [latest, earlier] = store.history(10);
    expect(latest).toMatchObject({ runId: 'r2', status: 'running', processes: [{ name: 'a', status: 'success' }, { name: 'b', status: 'failed', error: 'b broke' }] });
    expect(earlier).toMatchObject({ runId: 'r1', status: 'success', finishedAt: '2026-11-22T04:00:02.000Z' });
    expect(store.history(1)).toHaveLength(1);
    store.close();
  });

  it('opens an existing store again without losing anything, and refuses one from a newer version', () => {
    new StateStore(ws.path('state.db')).close();
    const again = new StateStore(ws.path('state.db'));
    again.beginRun('r1', '2026-11-23T04:00:00.000Z', './config');
    again.close();
    expect(new StateStore(ws.path('state.db')).history(5)).toHaveLength(1);

    const db = new Database(ws.path('state.db'));
    db.pragma('user_version = 99');
    db.close();
    expect(() => new StateStore(ws.path('state.db'))).toThrow(/written by a newer version \(schema 99/);
  });
});

describe('checkpoints', () => {
  it('keep JSON values per process and key, across reopening', () => {
    const path = ws.path('state.db');
    const a = openCheckpoints(path, 'proc-a');
    expect(a.get('cpu')).toBeUndefined();
    a.set('cpu', { upTo: '2026-11-23T00:00:00.000000001Z', n: 3 });
    a.set('mem', 42);
    openCheckpoints(path, 'proc-b').set('cpu', 'other process');
    a.close();

    const reopened = openCheckpoints(path, 'proc-a');
    expect(reopened.get('cpu')).toEqual({ upTo: '2026-11-23T00:00:00.000000001Z', n: 3 });
    expect(reopened.entries()).toEqual([
      ['cpu', { upTo: '2026-11-23T00:00:00.000000001Z', n: 3 }],
      ['mem', 42],
    ]);
    reopened.delete('mem');
    expect(reopened.entries().map(([k]) => k)).toEqual(['cpu']);
    reopened.close();
  });

  it('are read and moved on by a pipeline in a child process, run after run', async () => {
    const path = ws.path('state.db');
    const entry = fileURLToPath(new URL('../fixtures/child-checkpoints.ts', import.meta.url));
    const spec = { name: 'copy', file: 'config/a.yaml', type: 'command', enabled: true, config: {} };
    const options = { runId: 'r', statePath: path, level: 'info' as const, graceMs: 1000, stop: new AbortController().signal, entry, onLog: () => {} };
    for (let i = 0; i < 2; i++) expect((await runInChild(spec, options)).status).toBe('success');
    const checkpoints = openCheckpoints(path, 'copy');
    expect(checkpoints.get('cpu/autogen')).toEqual({ upTo: 200 });
    checkpoints.close();
  });

  it('that the store cannot save (a full disk) are reported once by the child, whose pipeline goes on and succeeds', async () => {
    const disk = new Tmpfs(ws.path('disk'), '1m');
    const path = disk.path('state.db');
    // Open, as `main` holds it during a run: the store's files are there before the disk fills up.
    const held = new StateStore(path);
    const before = openCheckpoints(path, 'copy');
    before.set('cpu/autogen', { upTo: 100 });
    before.close();
    disk.fill();
    const logs: LogMessage[] = [];
    const entry = fileURLToPath(new URL('../fixtures/child-checkpoints.ts', import.meta.url));
    const spec = { name: 'copy', file: 'config/a.yaml', type: 'command', enabled: true, config: {} };
    const result = await runInChild(spec, { runId: 'r', statePath: path, level: 'info', graceMs: 1000, stop: new AbortController().signal, entry, onLog: (m) => logs.push(m) });
    expect(result.status).toBe('success');
    expect(logs.map((m) => [m.level, m.message])).toEqual([
      ['warn', `The state store ${path} could not save checkpoint "cpu/autogen" of copy: database or disk is full (SQLITE_FULL). The process goes on; its next run resumes from the last checkpoint saved and does some of this work again. Further failures to record checkpoints are not reported.`],
    ]);
    disk.free();
    const after = openCheckpoints(path, 'copy');
    expect(after.get('cpu/autogen')).toEqual({ upTo: 100 });
    after.close();
    held.close();
  });
});

describe('checkpoints of a corrupt store', () => {
  it('fail the read naming the store and SQLite\'s code: where to resume is unknown', () => {
    const path = ws.path('state.db');
    const cp = openCheckpoints(path, 'copy');
    cp.set('zz-checkpoint-marker', { upTo: 100 });
    cp.close();
    corruptPagesHolding(path, 'zz-checkpoint-marker');
    const again = openCheckpoints(path, 'copy', () => {});
    expect(() => again.get('zz-checkpoint-marker')).toThrow(`reading checkpoint "zz-checkpoint-marker" from the state store ${path}: database disk image is malformed (SQLITE_CORRUPT)`);
    again.close();
  });
});

describe('locks', () => {
  it('that the store could not release do not hold back the next run of the same program, and one still held does', () => {
    const disk = new Tmpfs(ws.path('disk'), '1m');
    const said: string[] = [];
    const store = new StateStore(disk.path('state.db'), { onTrouble: (m) => said.push(m) });
    expect(store.locks.tryLock('process:a', 60_000)).toEqual({ ok: true });
    expect(store.locks.tryLock('process:b', 60_000)).toEqual({ ok: true });
    disk.fill();
    store.locks.unlock('process:a');
    expect(said).toEqual([expect.stringContaining('could not release the lock "process:a": database or disk is full (SQLITE_FULL)')]);
    expect(store.locks.tryLock('process:a', 60_000)).toEqual({ ok: true, unrecorded: true });
    expect(store.locks.tryLock('process:b', 60_000)).toMatchObject({ ok: false, holder: { pid: process.pid } });
    disk.free();
    expect(store.locks.tryLock('process:a', 60_000)).toEqual({ ok: true });
    expect(said.at(-1)).toBe(`The state store ${disk.path('state.db')} records locks again.`);
    store.close();
  });
});

describe('bookkeeping', () => {
  it('reports the first failure of a kind, again once it works again, and lets an error that is not the store\'s through', () => {
    const said: string[] = [];
    const book = new Bookkeeping('data/state.db', (m) => said.push(m));
    const full = () => {
      throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    };
    expect(book.write('results', 'record the result of a', full)).toBe(false);
    expect(book.write('results', 'record the result of b', full)).toBe(false);
    expect(book.write('runs', 'record the end of run r', full)).toBe(false);
    expect(book.write('results', 'record the result of c', () => {})).toBe(true);
    expect(said).toEqual([
      'The state store data/state.db could not record the result of a: database or disk is full (SQLITE_FULL). The run goes on; what could not be recorded is tried again when it ends. Further failures to record process results are not reported.',
      'The state store data/state.db could not record the end of run r: database or disk is full (SQLITE_FULL). The run goes on; `main history` may miss it or show it unfinished. Further failures to record runs are not reported.',
      'The state store data/state.db records process results again.',
    ]);
    expect(() => book.write('results', 'record', () => void (undefined as unknown as { x: number }).x)).toThrow(TypeError);
  });
});
