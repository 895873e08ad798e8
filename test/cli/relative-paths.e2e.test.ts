import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, Workspace } from '../helpers/cli.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

// A project as cron finds it: process files in proj/config, `main` started in $HOME with -c naming them.
function project(): { home: string; config: string; env: NodeJS.ProcessEnv } {
  ws.write(
    'proj/config/a.yaml',
    [
      'stamp:',
      '  type: command',
      '  logging: { file: data/logs/stamp.log }',
      '  run: { shell: "pwd > stamp.txt" }',
      '  verify: { argv: [./check.sh], cwd: scripts }',
      'web:',
      '  type: logs',
      '  inputs: ["logs/*.log"]',
      '  format: nginx-combined',
      '',
    ].join('\n'),
  );
  ws.write('proj/scripts/check.sh', '#!/bin/sh\ntest -f ../stamp.txt\n');
  chmodSync(ws.path('proj/scripts/check.sh'), 0o755);
  ws.write('proj/logs/access.log', '127.0.0.1 - - [10/Oct/2026:13:55:36 +0000] "GET /a HTTP/1.1" 200 2326 "-" "curl/8"\n');
  mkdirSync(ws.path('home'));
  return { home: ws.path('home'), config: ws.path('proj/config'), env: { HOME: ws.path('home') } };
}

describe('relative paths in a process file', () => {
  it('are read from the project folder (the config folder\'s parent) whatever folder main starts in', async () => {
    const { home, config, env } = project();
    const r = await runCli(['-c', config, '--state', 'state.db', '--log-dir', 'logs'], { cwd: home, env });
    expect(r.stderr).not.toContain('ERROR');
    expect(r.code).toBe(0);
    // The command ran in the project folder, its log file, the logs kind's input, database and reports are there.
    expect(ws.read('proj/stamp.txt').trim()).toBe(ws.path('proj'));
    expect(ws.read('proj/data/logs/stamp.log')).toContain('Running "pwd > stamp.txt"');
    expect(ws.exists('proj/data/logs.db')).toBe(true);
    expect(ws.exists('proj/data/reports/logs/web')).toBe(true);
    // Nothing of the processes' lands in $HOME: only what the flags named there.
    expect(ws.exists('home/stamp.txt')).toBe(false);
    expect(ws.exists('home/data')).toBe(false);
    expect(ws.exists('home/state.db')).toBe(true);
  });

  it('are shown resolved by --validate-only -v, from any folder', async () => {
    const { home, config, env } = project();
    const r = await runCli(['--validate-only', '-v', '-c', config], { cwd: home, env });
    expect(r.code).toBe(0);
    const proj = ws.path('proj');
    expect(r.stdout).toContain(`Paths, read from the project folder ${proj}, where each process runs:`);
    expect(r.stdout).toMatch(new RegExp(`stamp +logging\\.file +data/logs/stamp\\.log +${proj}/data/logs/stamp\\.log`));
    expect(r.stdout).toMatch(new RegExp(`stamp +verify\\.cwd +scripts +${proj}/scripts\\n`));
    expect(r.stdout).toMatch(new RegExp(`web +inputs\\[0\\] +logs/\\*\\.log +${proj}/logs/\\*\\.log`));
    expect(r.stdout).toMatch(new RegExp(`web +database +data/logs\\.db +${proj}/data/logs\\.db`));
    const json = JSON.parse((await runCli(['--validate-only', '--json', '-c', config], { cwd: home, env })).stdout);
    expect(json.base).toBe(proj);
    expect(json.processes[1].paths).toContainEqual({ key: 'database', written: 'data/logs.db', resolved: `${proj}/data/logs.db` });
  });

  it('with -c naming one process file, are read from the parent of its folder; the seed file stays valid', async () => {
    const { home, env } = project();
    const seed = fileURLToPath(new URL('../../backup_config.yaml.template', import.meta.url));
    copyFileSync(seed, ws.path('proj/config/seed.yaml'));
    // The seed's rsync, wherever the test runs.
    ws.write('bin/rsync', '#!/bin/sh\n');
    chmodSync(ws.path('bin/rsync'), 0o755);
    const r = await runCli(['--validate-only', '-v', '-c', ws.path('proj/config/seed.yaml')], { cwd: home, env: { ...env, PATH: `${ws.path('bin')}:${process.env.PATH}` } });
    expect(r.stdout).toContain('Configuration is valid: 1 process in 1 file.');
    expect(r.stdout).toContain(`Paths, read from the project folder ${ws.path('proj')}, where each process runs:`);
    expect(r.code).toBe(0);
  });
});
