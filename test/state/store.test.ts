import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runInChild } from '../../src/orchestrator/child-runner.js';
import type { ProcessResult } from '../../src/orchestrator/summary.js';
import { openCheckpoints } from '../../src/state/checkpoints.js';
import { StateStore } from '../../src/state/store.js';
import { Workspace } from '../helpers/cli.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

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
});
