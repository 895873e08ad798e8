import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, startCli, waitFor, Workspace, EVENT_MS } from '../helpers/cli.js';

// -c names a folder of process files, or one process file: then only that file's processes exist.
let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
  ws.write('config/nightly.yaml', 'nightly:\n  type: command\n  schedule: "0 4 * * *"\n  run: { shell: "touch nightly.txt" }\n');
  ws.write('config/other.yaml', 'other:\n  type: command\n  run: { shell: "touch other.txt" }\n');
  ws.write('config/web.yaml', 'web:\n  type: logs\n  inputs: ["inbox/*.log"]\n  format: nginx-combined\n');
});
afterEach(() => ws.remove());

describe('-c with one process file', () => {
  it('main runs that file\'s processes and no other', async () => {
    const r = await runCli(['-c', 'config/nightly.yaml', '--json'], { cwd: ws.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).processes.map((p: { name: string; file: string }) => [p.name, p.file])).toEqual([['nightly', 'config/nightly.yaml']]);
    expect([ws.exists('nightly.txt'), ws.exists('other.txt')]).toEqual([true, false]);
  });

  it('main --validate-only checks that file alone', async () => {
    const r = await runCli(['--validate-only', '-c', 'config/nightly.yaml'], { cwd: ws.dir });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/\[ok\]\s+files found\s+1 process file\n/);
    expect(r.stdout).toMatch(/nightly\s+command\s+config\/nightly\.yaml/);
    expect(r.stdout).not.toContain('other');
  });

  it('a process file that does not exist is named as one, exit 2', async () => {
    const r = await runCli(['-c', 'config/nightly.yml'], { cwd: ws.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('config/nightly.yml: process file does not exist');
  });

  it('a special file is refused, exit 2', async () => {
    execFileSync('mkfifo', [ws.path('fifo')]);
    const r = await runCli(['--validate-only', '-c', 'fifo'], { cwd: ws.dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('fifo: expected a folder of process files or a process file, got a special file (FIFO, socket or device)');
  });

  it('main schedule and main logs serve load it too', async () => {
    const schedule = startCli(['schedule', '-c', 'config/nightly.yaml'], { cwd: ws.dir });
    let log = '';
    schedule.child.stderr!.on('data', (d) => (log += d));
    await waitFor(() => /Scheduler started/.test(log) || schedule.child.exitCode !== null, EVENT_MS, 'the scheduler to start');
    expect(log).toMatch(/1 process\(es\) from config\/nightly\.yaml/);
    schedule.child.kill('SIGTERM');
    expect((await schedule.done).code).toBe(0);

    const serve = startCli(['logs', 'serve', '--port', '0', '--inbox', 'inbox', '--process', 'web', '-c', 'config/web.yaml'], { cwd: ws.dir, env: { LOGS_TOKEN: 'c0nfig-F1le-T0ken-e2e' } });
    let serveLog = '';
    serve.child.stderr!.on('data', (d) => (serveLog += d));
    await waitFor(() => /Listening on/.test(serveLog) || serve.child.exitCode !== null, EVENT_MS, 'logs serve to listen');
    expect(serveLog).toMatch(/process web\./);
    serve.child.kill('SIGTERM');
    expect((await serve.done).code).toBe(0);
  });
});
