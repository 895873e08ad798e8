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

// A scheduler row written by hand, as a scheduler `ageS` seconds silent would have left it.
function recordScheduler(pid: number, ageS: number, processes = 2): void {
  new StateStore(ws.path('data/state.db')).close();
  const db = new Database(ws.path('data/state.db'));
  const at = new Date(Date.now() - ageS * 1000).toISOString();
  db.prepare('INSERT OR REPLACE INTO schedulers VALUES (?, ?, ?, ?, ?)').run(host, pid, at, at, processes);
  db.close();
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
    const r = await healthyWithin(15_000);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(new RegExp(`^healthy: scheduler pid ${s.child.pid} on ${host}, heartbeat [0-9] s ago, 2 process\\(es\\)\\n$`));

    // Age its row by hand: unhealthy, until its next heartbeat (every 10 s) brings it back.
    const db = new Database(ws.path('data/state.db'));
    db.prepare('UPDATE schedulers SET heartbeat_at = ? WHERE pid = ?').run(new Date(Date.now() - 75_000).toISOString(), s.child.pid);
    db.close();
    const stale = await health();
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(new RegExp(`^unhealthy: scheduler pid ${s.child.pid} on ${host}: heartbeat 7[5-9] s old, more than --max-age 60 s\\n$`));
    expect((await healthyWithin(15_000)).stdout).toMatch(/^healthy: .* heartbeat [0-9] s ago/);

    s.child.kill('SIGTERM');
    expect((await s.done).code).toBe(0);
    const after = await health();
    expect([after.code, after.stderr]).toEqual([1, `unhealthy: no scheduler recorded on ${host} in ./data/state.db\n`]);
  });

  it('fails when the heartbeat is older than --max-age, and says how old', async () => {
    recordScheduler(process.pid, 75);
    const r = await health();
    expect([r.code, r.stdout]).toEqual([1, '']);
    expect(r.stderr).toMatch(new RegExp(`^unhealthy: scheduler pid ${process.pid} on ${host}: heartbeat 7[5-9] s old, more than --max-age 60 s\\n$`));
    const lenient = await health(['--max-age', '120']);
    expect([lenient.code, lenient.stderr]).toEqual([0, '']);
    expect(lenient.stdout).toMatch(new RegExp(`^healthy: scheduler pid ${process.pid} on ${host}, heartbeat 7[5-9] s ago, 2 process\\(es\\)\\n$`));
  });

  it('fails when the recorded scheduler is gone, however recent its heartbeat, and reads another --state', async () => {
    const dead = deadPid();
    recordScheduler(dead, 3);
    const r = await health(['--state', ws.path('data/state.db')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^unhealthy: scheduler pid ${dead} on ${host} is gone \\(last heartbeat [3-7] s ago\\)\\n$`));
    // A live one next to it is enough.
    const db = new Database(ws.path('data/state.db'));
    const at = new Date(Date.now() - 20_000).toISOString();
    db.prepare('INSERT INTO schedulers VALUES (?, ?, ?, ?, ?)').run(host, process.pid, at, at, 4);
    db.close();
    const ok = await health(['--state', ws.path('data/state.db')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^healthy: scheduler pid ${process.pid} on ${host}, heartbeat 2[0-4] s ago, 4 process\\(es\\)\\n$`));
  });

  it('answers a usage mistake with exit 2', async () => {
    const r = await health(['--max-age', 'soon']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('expected --max-age to be a whole number from 1 to 86400, got "soon"');
  });
});
