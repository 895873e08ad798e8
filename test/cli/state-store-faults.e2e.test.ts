import { renameSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { StateStore } from '../../src/state/store.js';
import { corruptPagesHolding } from '../helpers/damage.js';
import { runCli, Workspace } from '../helpers/cli.js';
import { Tmpfs } from '../helpers/tmpfs.js';

// The state store is bookkeeping: a real full disk (a tmpfs the test mounts) or a real damaged page under it never
// costs a run, and a store that cannot be read is said so, with what to do, never with a stack trace.
let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove()); // and the disk a test mounted in it

const STACK = /^\s+at .+:\d+:\d+\)?$/m;
const proc = (name: string, shell: string, extra = '') => `${name}:\n  type: command\n${extra}  run: { shell: ${JSON.stringify(shell)} }\n`;
// A backup, and a process that runs after it (and must run, whatever happened to the bookkeeping).
const backupThen = (backup: string, after = 'echo ran > after.txt') => proc('backup', backup) + proc('after_backup', after, '  after: [backup]\n');

// The store's reports on stderr, one line each.
const storeReports = (stderr: string, path: string) => stderr.split('\n').filter((l) => l.includes(`The state store ${path} could not`));

async function runJson(args: string[]): Promise<{ code: number | null; summary: RunSummary; stderr: string }> {
  const { code, stdout, stderr } = await runCli(['--json', ...args], { cwd: ws.dir });
  return { code, summary: JSON.parse(stdout) as RunSummary, stderr };
}

// A store with one finished run whose process result carries `marker` (only there), closed: ready to damage.
function storeWithResult(path: string, marker: string): void {
  const store = new StateStore(path);
  store.beginRun('r1', '2026-11-22T04:00:00.000Z', './config');
  store.recordProcess('r1', { name: 'backup', file: `config/${marker}.yaml`, type: 'command', status: 'success', startedAt: '2026-11-22T04:00:00.000Z', durationMs: 5 });
  store.finishRun({ runId: 'r1', startedAt: '2026-11-22T04:00:00.000Z', finishedAt: '2026-11-22T04:00:01.000Z', status: 'success', processes: [] });
  store.close();
}

describe('a state store that fails during a run', () => {
  it('goes on when the disk under the store fills up: each kind of failed write is reported once, the dependents run, the summary is printed and the exit code is the run\'s', async () => {
    const disk = new Tmpfs(ws.path('disk'), '1m');
    const state = disk.path('state.db');
    ws.write('config/a.yaml', backupThen(`head -c 10000000 /dev/zero > ${disk.path('filler')} 2>/dev/null; echo backed up`));
    const { code, summary, stderr } = await runJson(['--state', state]);
    expect(code).toBe(0);
    expect(summary.status).toBe('success');
    expect(summary.processes.map((p) => [p.name, p.status])).toEqual([['backup', 'success'], ['after_backup', 'success']]);
    expect(ws.read('after.txt')).toBe('ran\n');
    const reports = storeReports(stderr, state);
    expect(reports.some((r) => r.includes('could not record the result of backup'))).toBe(true);
    for (const r of reports) expect(r).toMatch(/: database or disk is full \(SQLITE_FULL\)\. .* Further failures to record [a-z ]+ are not reported\.$/);
    const kinds = reports.map((r) => /Further failures to record ([a-z ]+) are/.exec(r)![1]);
    expect(new Set(kinds).size).toBe(kinds.length);
    expect(stderr).not.toMatch(STACK);
    // The store itself is whole: the history reads it (the run's end could not be recorded).
    const history = await runCli(['history', '--state', state], { cwd: ws.dir });
    expect(history.code).toBe(0);
    expect(history.stdout).toContain(summary.runId);
  });

  it('records the whole run when the disk has room again before the run ends', async () => {
    const disk = new Tmpfs(ws.path('disk'), '1m');
    const state = disk.path('state.db');
    ws.write('config/a.yaml', backupThen(`head -c 10000000 /dev/zero > ${disk.path('filler')} 2>/dev/null; true`, `rm ${disk.path('filler')}`));
    const { code, summary, stderr } = await runJson(['--state', state]);
    expect(code).toBe(0);
    expect(stderr).toContain(`The state store ${state} could not record the result of backup (run ${summary.runId}): database or disk is full (SQLITE_FULL).`);
    expect(stderr).toContain(`The state store ${state} records process results again.`);
    const history = await runCli(['history', '--json', '--state', state], { cwd: ws.dir });
    const [run] = JSON.parse(history.stdout) as Array<{ runId: string; status: string; processes: Array<{ name: string; status: string }> }>;
    expect(run).toMatchObject({ runId: summary.runId, status: 'success' });
    expect(run!.processes.map((p) => [p.name, p.status])).toEqual([['backup', 'success'], ['after_backup', 'success']]);
  });

  it('goes on past a corrupt page of process results; `main history` then says the store is corrupt and how to recover, and the advice works', async () => {
    storeWithResult(ws.path('data/state.db'), 'zz-corrupt-me');
    corruptPagesHolding(ws.path('data/state.db'), 'zz-corrupt-me');
    ws.write('config/a.yaml', backupThen('echo backed up'));
    const { code, summary, stderr } = await runJson([]);
    expect(code).toBe(0);
    expect(summary.processes.map((p) => p.status)).toEqual(['success', 'success']);
    expect(ws.read('after.txt')).toBe('ran\n');
    expect(storeReports(stderr, './data/state.db')).toEqual([
      expect.stringContaining(`could not record the result of backup (run ${summary.runId}): database disk image is malformed (SQLITE_CORRUPT). The run goes on;`),
    ]);

    const history = await runCli(['history'], { cwd: ws.dir });
    expect(history.code).toBe(1);
    expect(history.stdout).toBe('');
    expect(history.stderr).toContain('main: cannot use the state store ./data/state.db: reading its runs: database disk image is malformed (SQLITE_CORRUPT).\nIt is corrupt, or not a state store. Move it aside (mv ./data/state.db ./data/state.db.damaged');
    expect(history.stderr).not.toMatch(STACK);

    renameSync(ws.path('data/state.db'), ws.path('data/state.db.damaged'));
    expect(await runCli(['history'], { cwd: ws.dir })).toMatchObject({ code: 0, stdout: 'No runs recorded yet in ./data/state.db.\n' });
    expect((await runCli([], { cwd: ws.dir })).code).toBe(0);
  });

  it('runs a process whose lock the store cannot keep (a corrupt page of locks), and says so once', async () => {
    const store = new StateStore(ws.path('data/state.db'));
    expect(store.locks.tryLock('process:zz-lock-marker', 60_000).ok).toBe(true);
    store.close();
    corruptPagesHolding(ws.path('data/state.db'), 'zz-lock-marker');
    ws.write('config/a.yaml', backupThen('echo backed up'));
    const { code, summary, stderr } = await runJson([]);
    expect(code).toBe(0);
    expect(summary.processes.map((p) => p.status)).toEqual(['success', 'success']);
    expect(storeReports(stderr, './data/state.db')).toEqual([
      expect.stringContaining(
        'The state store ./data/state.db could not take the lock "process:backup": database disk image is malformed (SQLITE_CORRUPT). The run goes on: a lock the store cannot keep holds no process back, nor keeps a second run of one out. Further failures to record locks are not reported.',
      ),
    ]);
  });
});

describe('a state store that cannot be opened', () => {
  it('is refused by main (exit 2, nothing runs), main history and main health (exit 1), each naming it and saying what to do', async () => {
    ws.write('data/state.db', 'these are not the bytes of a SQLite database\n'.repeat(200));
    ws.write('config/a.yaml', proc('backup', 'echo ran > ran.txt'));
    const said = 'cannot use the state store ./data/state.db: file is not a database (SQLITE_NOTADB).';
    const advice = 'It is corrupt, or not a state store. Move it aside (mv ./data/state.db ./data/state.db.damaged';

    const run = await runCli([], { cwd: ws.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`main: ${said}\n${advice}`);
    expect(ws.exists('ran.txt')).toBe(false);

    const history = await runCli(['history'], { cwd: ws.dir });
    expect(history.code).toBe(1);
    expect(history.stderr).toContain(`main: ${said}\n${advice}`);

    const health = await runCli(['health'], { cwd: ws.dir });
    expect(health.code).toBe(1);
    expect(health.stderr).toContain(`unhealthy: ${said} ${advice}`);
    for (const r of [run, history, health]) expect(r.stderr).not.toMatch(STACK);
  });

  it('names a --state that is a folder, and what to do', async () => {
    ws.write('data/state.db/inside', '');
    ws.write('config/a.yaml', proc('backup', 'true'));
    const run = await runCli([], { cwd: ws.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^main: cannot use the state store \.\/data\/state\.db: .+\nCheck that it is a file in a folder this user can write, or pass another --state\.\n$/);
  });
});

describe('main history on a store written by a newer version', () => {
  it('says so and exits 1, without a stack trace', async () => {
    new StateStore(ws.path('data/state.db')).close();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(ws.path('data/state.db'));
    db.pragma('user_version = 99');
    db.close();
    const history = await runCli(['history'], { cwd: ws.dir });
    expect([history.code, history.stderr]).toEqual([1, 'main: cannot use the state store ./data/state.db: it was written by a newer version (schema 99, this build knows 4).\nUse the version of main that wrote it, or pass another --state.\n']);
  });
});
