import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, Workspace } from '../helpers/cli.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

describe('main --validate-only', () => {
  it('prints a staged report and a line per process, runs nothing, writes nothing, and exits 0', async () => {
    ws.write('config/pg.yaml', 'pg_dump:\n  type: command\n  schedule: "0 4 * * *"\n  run: { shell: "touch ran.txt" }\n');
    ws.write('config/more/files.yml', 'rsync_home:\n  type: command\n  enabled: false\n  run: { argv: ["true"] }\n');
    const { code, stdout, stderr } = await runCli(['--validate-only'], { cwd: ws.dir });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'Validating ./config',
        '',
        '  [ok]   files found   2 process files',
        '  [ok]   parsed        2 processes',
        '  [ok]   interpolated  2 files, environment variables substituted',
        '  [ok]   schema        2 of 2 processes valid',
        '  [ok]   kind checks   2 processes: programs, folders, schedules, log files',
        '',
        'Processes:',
        '        PROCESS     TYPE     FILE',
        '  [ok]  rsync_home  command  config/more/files.yml',
        '  [ok]  pg_dump     command  config/pg.yaml',
        '',
        'Configuration is valid: 2 processes in 2 files.',
        '',
      ].join('\n'),
    );
    expect(ws.exists('ran.txt')).toBe(false);
    expect(ws.exists('data')).toBe(false);
  });

  it('marks the stage that failed, lists every problem, flags the process, and exits 2', async () => {
    ws.write('config/a.yaml', 'good:\n  type: command\n  run: { argv: ["true"] }\nbad:\n  type: command\n  run: { argv: ["${MISSING_VAR}"] }\n');
    const { code, stdout } = await runCli(['--validate-only', '--config', 'config'], { cwd: ws.dir });
    expect(code).toBe(2);
    expect(stdout).toContain('  [FAIL] interpolated  1 problem\n');
    expect(stdout).toContain('  [ok]   schema        1 of 1 process valid\n');
    expect(stdout).toContain('Problems:\n  config/a.yaml:6:17: process "bad": variable MISSING_VAR is not set');
    expect(stdout).toMatch(/\[FAIL\] +bad +command +config\/a\.yaml +1 problem/);
    expect(stdout).toMatch(/\[ok\] +good +command +config\/a\.yaml/);
    expect(stdout).toContain('Configuration is invalid: 1 problem. Nothing was run.');
  });

  it('reports an empty config folder and a missing one with exit 2', async () => {
    ws.write('config/.keep', '');
    const empty = await runCli(['--validate-only'], { cwd: ws.dir });
    expect(empty.code).toBe(2);
    expect(empty.stdout).toContain('  config: no process files (*.yaml, *.yml) found in the config folder');
    const missing = await runCli(['--validate-only', '-c', 'elsewhere'], { cwd: ws.dir });
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain('[FAIL] files found   1 problem');
    expect(missing.stdout).toContain('[--]   parsed        not reached');
    expect(missing.stdout).toContain('elsewhere: config folder does not exist');
  });
});

describe('main schema', () => {
  it('prints the JSON Schema of a process file, the same one committed for editors', async () => {
    const { code, stdout } = await runCli(['schema'], { cwd: ws.dir });
    expect(code).toBe(0);
    const schema = JSON.parse(stdout);
    expect(schema.title).toBe('SysAdminToolkit process file');
    expect(Object.keys(schema.definitions)).toContain('command');
    const { readFileSync } = await import('node:fs');
    const committed = readFileSync(new URL('../../schema/process-file.schema.json', import.meta.url), 'utf8');
    expect(stdout, 'schema/process-file.schema.json is stale: regenerate it with `npm run schema`').toBe(committed);
  });
});
