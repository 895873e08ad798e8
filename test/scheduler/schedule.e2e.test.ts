import { execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/state/store.js';
import { runCli, startCli, stillRunning, waitFor, Workspace, EVENT_MS } from '../helpers/cli.js';
import { Tmpfs } from '../helpers/tmpfs.js';

// Real timers, second-level cron expressions: each test runs the scheduler for a few seconds.
let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove()); // and the disk a test mounted in it

const tick = (extra = '') => `tick:\n  type: command\n  schedule: "*/1 * * * * *"\n${extra}  run: { shell: "echo $$(date +%s%N) start >> ticks; sleep 1.5; echo $$(date +%s%N) end >> ticks" }\n`;

interface HistoryRun {
  processes: Array<{ name: string; status: string; error?: { code: string; message: string } }>;
}

async function history(): Promise<HistoryRun['processes']> {
  const { stdout } = await runCli(['history', '--json', '-n', '1000'], { cwd: ws.dir });
  return (JSON.parse(stdout) as HistoryRun[]).flatMap((r) => r.processes);
}

function schedule(args: string[] = []) {
  const run = startCli(['schedule', '--grace', '5', ...args], { cwd: ws.dir });
  let stderr = '';
  run.child.stderr!.on('data', (d) => (stderr += d));
  return { ...run, stderr: () => stderr };
}

// [start, end] of each run of `tick`, from what it wrote.
function intervals(): Array<[bigint, bigint]> {
  if (!ws.exists('ticks')) return [];
  const lines = ws.read('ticks').trim().split('\n').map((l) => l.split(' ') as [string, string]);
  const out: Array<[bigint, bigint]> = [];
  const open: bigint[] = [];
  for (const [t, what] of lines) {
    if (what === 'start') open.push(BigInt(t));
    else out.push([open.shift()!, BigInt(t)]);
  }
  return out;
}

describe('main schedule', () => {
  it('runs a process at its schedule, never twice at once (a run still going makes the next one "skipped"), runs those "after" it, and stops cleanly on SIGTERM', async () => {
    ws.write('config/a.yaml', `${tick()}report:\n  type: command\n  after: [tick]\n  run: { shell: "echo report >> reports" }\n`);
    const s = schedule();
    await waitFor(() => (s.stderr().match(/Skipped: the previous run is still going/g) ?? []).length >= 2 && ws.exists('reports'), EVENT_MS, 'two skipped runs and a report');
    s.child.kill('SIGTERM');
    const done = await s.done;
    expect(done.code).toBe(0);
    expect(s.stderr()).toContain('Scheduler stopped.');
    const runs = await history();
    expect(runs.filter((r) => r.name === 'tick' && r.status === 'success').length).toBeGreaterThanOrEqual(1);
    expect(runs.find((r) => r.name === 'tick' && r.status === 'skipped')?.error?.message).toMatch(/^skipped: the previous run is still going \(started \S+ by this scheduler\)$/);
    expect(runs.some((r) => r.name === 'report' && r.status === 'success')).toBe(true);
    // Every run that started finished, and none overlapped.
    const spans = intervals();
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThan(spans[i - 1]![1]);
    expect(stillRunning(ws.dir)).toBe('');
  });

  it('lets two schedulers share one state store without running a process twice at once', async () => {
    ws.write('config/a.yaml', tick());
    const a = schedule();
    const b = schedule();
    await waitFor(() => intervals().length >= 3, EVENT_MS, 'three runs');
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect((await a.done).code).toBe(0);
    expect((await b.done).code).toBe(0);
    const spans = intervals();
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThan(spans[i - 1]![1]);
    const held = `${hostname()}:${b.child.pid}`;
    const heldByA = `${hostname()}:${a.child.pid}`;
    expect(`${a.stderr()}${b.stderr()}`).toMatch(new RegExp(`previous run is still going \\(started \\S+ by (${held}|${heldByA})\\)`));
  });

  it('takes over a lock whose holder died, and says so', async () => {
    ws.write('config/a.yaml', tick());
    const dead = Number(execFileSync('sh', ['-c', 'sh -c "echo \\$\\$"'], { encoding: 'utf8' }).trim());
    new StateStore(ws.path('data/state.db')).close();
    const db = new Database(ws.path('data/state.db'));
    db.prepare('INSERT INTO locks VALUES (?, ?, ?, ?, ?)').run('process:tick', hostname(), dead, '2026-11-23T04:00:00.000Z', new Date().toISOString());
    db.close();
    const s = schedule();
    await waitFor(() => /took over its lock/.test(s.stderr()) && intervals().length >= 1, EVENT_MS, 'the take-over');
    s.child.kill('SIGTERM');
    expect((await s.done).code).toBe(0);
    expect(s.stderr()).toContain(`tick: took over its lock from ${hostname()}:${dead} (held since 2026-11-23T04:00:00.000Z): its process ${dead} is gone.`);
  });

  it('reloads its process files on SIGHUP, and keeps the old set when the new one is invalid', async () => {
    ws.write('config/a.yaml', 'one:\n  type: command\n  schedule: "*/1 * * * * *"\n  run: { shell: "echo one >> ones" }\n');
    const s = schedule();
    await waitFor(() => ws.exists('ones'), EVENT_MS, 'a first run');
    ws.write('config/a.yaml', 'one:\n  type: command\n  schedule: "*/1 * * * * *"\n  run: { shell: "echo one >> ones" }\ntwo:\n  type: comand\n');
    s.child.kill('SIGHUP');
    await waitFor(() => /Reload refused/.test(s.stderr()), EVENT_MS, 'the refusal');
    expect(s.stderr()).toMatch(/config\/a\.yaml:6:9: process "two": unknown type "comand"/);
    expect(s.stderr()).toContain('Reload refused: 1 problem(s) in ./config; the 1 process(es) loaded before stay scheduled.');
    ws.write('config/a.yaml', 'two:\n  type: command\n  schedule: "*/1 * * * * *"\n  run: { shell: "echo two >> twos" }\n');
    s.child.kill('SIGHUP');
    await waitFor(() => ws.exists('twos'), EVENT_MS, 'the new process to run');
    const ones = ws.read('ones').split('\n').length;
    await new Promise((r) => setTimeout(r, 1500));
    s.child.kill('SIGTERM');
    expect((await s.done).code).toBe(0);
    expect(s.stderr()).toContain('Reloaded ./config: 1 process(es).');
    expect(ws.read('ones').split('\n').length).toBeLessThanOrEqual(ones + 1);
  });

  it("sweeps what .defaults.yaml's housekeeping names after its first run, and not again the same day", async () => {
    ws.write('config/.defaults.yaml', 'housekeeping: { keep_days: 30, runs: 10 }\n');
    ws.write('config/a.yaml', 'fast:\n  type: command\n  schedule: "*/1 * * * * *"\n  run: { shell: "echo run >> runs" }\n');
    // A run 20 days old in the store: older than the 10 days `runs` keeps.
    const old = new Date(Date.now() - 20 * 86_400_000).toISOString();
    const store = new StateStore(ws.path('data/state.db'));
    store.beginRun('old', old, 'config');
    store.finishRun({ runId: 'old', startedAt: old, finishedAt: old, status: 'success', processes: [{ name: 'fast', file: 'config/a.yaml', type: 'command', status: 'success', startedAt: old, durationMs: 1 }] });
    store.close();
    const s = schedule();
    await waitFor(() => /Housekeeping runs: 1 /.test(s.stderr()), EVENT_MS, 'the first sweep');
    const runs = () => (ws.exists('runs') ? ws.read('runs').trim().split('\n').length : 0);
    const seen = runs();
    await waitFor(() => runs() >= seen + 3, EVENT_MS, 'three more runs');
    s.child.kill('SIGTERM');
    expect((await s.done).code).toBe(0);
    expect(s.stderr().match(/Housekeeping /g)).toHaveLength(1);
    const { stdout } = await runCli(['history', '--json', '-n', '1000'], { cwd: ws.dir });
    expect((JSON.parse(stdout) as Array<{ runId: string }>).map((r) => r.runId)).not.toContain('old');
  });

  it('does not replay runs missed while it was down; the next run says how many', async () => {
    ws.write('config/a.yaml', 'often:\n  type: command\n  schedule: "0 * * * * *"\n  run: { shell: "echo run >> runs" }\nfast:\n  type: command\n  schedule: "*/1 * * * * *"\n  run: { shell: "true" }\n');
    new StateStore(ws.path('data/state.db')).close();
    const db = new Database(ws.path('data/state.db'));
    const lastFire = Date.now() - 3_600_000;
    db.prepare('INSERT INTO schedule_fires VALUES (?, ?)').run('fast', new Date(lastFire).toISOString());
    db.close();
    const s = schedule();
    await waitFor(() => /were missed/.test(s.stderr()), 60_000, 'the missed runs to be told');
    // The scheduler counts up to its own start, which a busy machine delays: at most until the message was seen.
    const seen = Date.now();
    s.child.kill('SIGTERM');
    expect((await s.done).code).toBe(0);
    const told = /fast: (\d+) scheduled run\(s\) \((\S+) to (\S+)\) were missed while no scheduler was running; they are not replayed\./.exec(s.stderr());
    const [count, first, last] = [Number(told?.[1]), Date.parse(told![2]!), Date.parse(told![3]!)];
    // One run a second, every second from the last fire to the scheduler's start.
    expect(count).toBe((last - first) / 1000 + 1);
    expect(first).toBe(Math.floor(lastFire / 1000) * 1000 + 1000);
    expect(count).toBeGreaterThanOrEqual(3599);
    expect(last).toBeLessThanOrEqual(seen);
    expect((await history()).filter((r) => r.name === 'fast').length).toBeLessThan(10);
  });

  it('keeps running its schedules when the disk under its state store fills up, each kind of failed write reported once', async () => {
    const disk = new Tmpfs(ws.path('disk'), '1m');
    const state = disk.path('state.db');
    ws.write('config/a.yaml', 'often:\n  type: command\n  schedule: "*/1 * * * * *"\n  run: { shell: "echo run >> runs" }\n');
    const s = schedule(['--state', state]);
    await waitFor(() => ws.exists('runs'), EVENT_MS, 'a first run');
    disk.fill();
    const before = ws.read('runs').split('\n').length;
    await waitFor(() => ws.read('runs').split('\n').length >= before + 3 && /The state store \S+ could not/.test(s.stderr()), EVENT_MS, 'three more runs on a full disk');
    s.child.kill('SIGTERM');
    expect((await s.done).code).toBe(0);
    expect(s.stderr()).toContain('Scheduler stopped.');
    const reports = s.stderr().split('\n').filter((l) => l.includes(`The state store ${state} could not`));
    for (const r of reports) expect(r).toContain('database or disk is full (SQLITE_FULL)');
    const kinds = reports.map((r) => /Further failures to record ([a-z ]+) are/.exec(r)![1]);
    expect(new Set(kinds).size).toBe(kinds.length);
    // Which writes fail is not asserted: a small one may still fit in WAL space that a failed transaction before it
    // had allocated, so it depends on the order and size of the writes. Each that fails is reported, once.
    expect(kinds.length).toBeGreaterThan(0);
    expect(kinds.every((k) => ['fire times', 'runs', 'process results', 'locks', 'scheduler heartbeats'].includes(k!))).toBe(true);
    expect(s.stderr()).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });

  it('refuses to start on invalid process files (exit 2) and on an unknown --timezone', async () => {
    ws.write('config/a.yaml', 'bad:\n  type: command\n  schedule: "every day"\n  run: { argv: ["true"] }\n');
    const r = await runCli(['schedule'], { cwd: ws.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config\/a\.yaml:3:13: process "bad": expected "schedule" to be a cron expression/);
    const tz = await runCli(['schedule', '--timezone', 'Mars/Olympus'], { cwd: ws.dir });
    expect([tz.code, tz.stderr.trim()]).toEqual([2, 'main: option \'--timezone <zone>\' argument \'Mars/Olympus\' is invalid. expected --timezone to be an IANA time zone such as "Europe/Madrid", got "Mars/Olympus"']);
  });
});
