import { execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../src/state/store.js';
import { runCli, startCli, Workspace, type CliResult } from '../helpers/cli.js';

// Real processes and real timers: `main schedule` records itself in the state store and `main health` reads it.
let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

const host = hostname();
const health = (args: string[] = []) => runCli(['health', ...args], { cwd: ws.dir });

// A scheduler row written by hand, as a scheduler `ageS` seconds silent would have left it; when it was written.
function recordScheduler(pid: number, ageS: number, processes = 2): number {
  new StateStore(ws.path('data/state.db')).close();
  return setHeartbeat(pid, ageS, processes);
}

function heartbeatOf(pid: number): string {
  const db = new Database(ws.path('data/state.db'), { readonly: true });
  const row = db.prepare('SELECT heartbeat_at FROM schedulers WHERE pid = ?').get(pid) as { heartbeat_at: string };
  db.close();
  return row.heartbeat_at;
}

function setHeartbeat(pid: number, ageS: number, processes = 2): number {
  const db = new Database(ws.path('data/state.db'));
  const now = Date.now();
  const at = new Date(now - ageS * 1000).toISOString();
  db.prepare('INSERT OR REPLACE INTO schedulers VALUES (?, ?, ?, ?, ?)').run(host, pid, at, at, processes);
  db.close();
  return now;
}

// The age `main health` printed (the first group of `pattern`) lies between the age written at `writtenAt` and that
// age plus the seconds since: on a busy machine the command itself can take seconds.
function expectAge(text: string, pattern: RegExp, ageS: number, writtenAt: number): void {
  const m = pattern.exec(text);
  expect(m, text).not.toBeNull();
  const age = Number(m![1]);
  expect(age, text).toBeGreaterThanOrEqual(ageS);
  expect(age, text).toBeLessThanOrEqual(ageS + Math.ceil((Date.now() - writtenAt) / 1000));
}

// `main health` again and again until it exits 0; the last answer.
async function healthyWithin(ms: number): Promise<CliResult> {
  const deadline = Date.now() + ms;
  let r = await health();
  while (r.code !== 0 && Date.now() < deadline) r = await health();
  return r;
}

function deadPid(): number {
  return Number(execFileSync('sh', ['-c', 'sh -c "echo \\$\\$"'], { encoding: 'utf8' }).trim());
}

describe('main health', () => {
  it('fails (exit 1) when the state store is missing, and does not create it', async () => {
    const r = await health();
    expect([r.code, r.stdout, r.stderr]).toEqual([1, '', 'unhealthy: the state store ./data/state.db is missing: no scheduler has run with it\n']);
    expect(ws.exists('data')).toBe(false);
  });

  it('fails (exit 1) when no scheduler of this host is recorded', async () => {
    recordScheduler(process.pid, 0);
    const db = new Database(ws.path('data/state.db'));
    db.prepare("UPDATE schedulers SET host = 'elsewhere'").run();
    db.close();
    const r = await health();
    expect([r.code, r.stderr]).toEqual([1, `unhealthy: no scheduler recorded on ${host} in ./data/state.db\n`]);
  });

  it('is healthy while `main schedule` runs, follows its heartbeat, and fails again once it stopped on SIGTERM', async () => {
    ws.write('config/a.yaml', 'nightly:\n  type: command\n  schedule: "0 4 * * *"\n  run: { argv: ["true"] }\nweekly:\n  type: command\n  schedule: "0 5 * * 0"\n  run: { argv: ["true"] }\n');
    expect((await health()).code).toBe(1);
    const s = startCli(['schedule', '--grace', '5'], { cwd: ws.dir });
    const startedAt = Date.now();
    const r = await healthyWithin(15_000);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expectAge(r.stdout, new RegExp(`^healthy: scheduler pid ${s.child.pid} on ${host}, heartbeat (\\d+) s ago, 2 process\\(es\\)\\n$`), 0, startedAt);

    // Age its row by hand: unhealthy, until its next heartbeat (every 10 s) brings it back. On a busy machine that
    // heartbeat can land between the aging and the check; then the row is newer than what was written: age it again.
    let stale: CliResult;
    let agedAt: number;
    for (let attempt = 1; ; attempt++) {
      agedAt = Date.now();
      const aged = new Date(agedAt - 75_000).toISOString();
      const db = new Database(ws.path('data/state.db'));
      db.prepare('UPDATE schedulers SET heartbeat_at = ? WHERE pid = ?').run(aged, s.child.pid);
      db.close();
      stale = await health();
      if (stale.code !== 0 || attempt === 5 || heartbeatOf(s.child.pid!) === aged) break;
    }
    expect(stale.code).toBe(1);
    expectAge(stale.stderr, new RegExp(`^unhealthy: scheduler pid ${s.child.pid} on ${host}: heartbeat (\\d+) s old, more than --max-age 60 s\\n$`), 75, agedAt);
    // Its next heartbeat, within 10 s, brings it back: an age of at most 10 s plus the time the command took.
    const askedAt = Date.now();
    expectAge((await healthyWithin(15_000)).stdout, /^healthy: .* heartbeat (\d+) s ago/, 0, askedAt - 10_000);

    s.child.kill('SIGTERM');
    expect((await s.done).code).toBe(0);
    const after = await health();
    expect([after.code, after.stderr]).toEqual([1, `unhealthy: no scheduler recorded on ${host} in ./data/state.db\n`]);
  });

  it('fails when the heartbeat is older than --max-age, and says how old', async () => {
    const writtenAt = recordScheduler(process.pid, 75);
    const r = await health();
    expect([r.code, r.stdout]).toEqual([1, '']);
    expectAge(r.stderr, new RegExp(`^unhealthy: scheduler pid ${process.pid} on ${host}: heartbeat (\\d+) s old, more than --max-age 60 s\\n$`), 75, writtenAt);
    const lenient = await health(['--max-age', '120']);
    expect([lenient.code, lenient.stderr]).toEqual([0, '']);
    expectAge(lenient.stdout, new RegExp(`^healthy: scheduler pid ${process.pid} on ${host}, heartbeat (\\d+) s ago, 2 process\\(es\\)\\n$`), 75, writtenAt);
  });

  it('fails when the recorded scheduler is gone, however recent its heartbeat, and reads another --state', async () => {
    const dead = deadPid();
    const deadAt = recordScheduler(dead, 3);
    const r = await health(['--state', ws.path('data/state.db')]);
    expect(r.code).toBe(1);
    expectAge(r.stderr, new RegExp(`^unhealthy: scheduler pid ${dead} on ${host} is gone \\(last heartbeat (\\d+) s ago\\)\\n$`), 3, deadAt);
    // A live one next to it is enough.
    const liveAt = setHeartbeat(process.pid, 20, 4);
    const ok = await health(['--state', ws.path('data/state.db')]);
    expect(ok.code).toBe(0);
    expectAge(ok.stdout, new RegExp(`^healthy: scheduler pid ${process.pid} on ${host}, heartbeat (\\d+) s ago, 4 process\\(es\\)\\n$`), 20, liveAt);
  });

  it('answers a usage mistake with exit 2', async () => {
    const r = await health(['--max-age', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('expected --max-age to be a whole number from 1 to 86400, got "soon"');
  });
});
