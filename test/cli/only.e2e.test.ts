import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, Workspace } from '../helpers/cli.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

const FILES = {
  'config/a.yaml': 'first:\n  type: command\n  run: { shell: "touch first.txt" }\nsecond:\n  type: command\n  after: [first]\n  run: { shell: "touch second.txt" }\n',
  // Another file, and one beside the selected ones in the same file: both need a variable that is not set.
  'config/db.yaml': 'mysql_dump:\n  type: command\n  run: { argv: ["true", "--password=${DB_PASS}"] }\n',
};
// The test's own environment may hold a DB_PASS: the CLI gets none (spawn leaves out an undefined variable).
const withoutDbPass = (): NodeJS.ProcessEnv => ({ DB_PASS: undefined });

describe('main --only NAME validates and needs only the selected processes', () => {
  it('runs a process although an unrelated one needs ${DB_PASS}, which is not set', async () => {
    for (const [file, text] of Object.entries(FILES)) ws.write(file, text);
    ws.write('config/a.yaml', `${FILES['config/a.yaml']}beside:\n  type: command\n  run: { argv: ["true", "\${DB_PASS}"] }\n`);
    const r = await runCli(['--only', 'second'], { cwd: ws.dir, env: withoutDbPass() });
    expect(r.stderr).not.toContain('DB_PASS');
    expect(r.code).toBe(0);
    expect(ws.exists('second.txt')).toBe(true);
    expect(ws.exists('first.txt')).toBe(false); // validated, since second runs after it, but not run
  });

  it('still refuses the run when the selected process is the broken one', async () => {
    for (const [file, text] of Object.entries(FILES)) ws.write(file, text);
    const r = await runCli(['--only', 'mysql_dump'], { cwd: ws.dir, env: withoutDbPass() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('config/db.yaml:3:25: process "mysql_dump": variable DB_PASS is not set');
  });

  it('validates those a selected process runs after: a broken one of them refuses the run', async () => {
    ws.write('config/a.yaml', 'first:\n  type: command\n  run: { argv: ["${SAT_TEST_UNSET}"] }\nsecond:\n  type: command\n  after: [first]\n  run: { shell: "touch second.txt" }\n');
    const r = await runCli(['--only', 'second'], { cwd: ws.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('process "first": variable SAT_TEST_UNSET is not set');
    expect(ws.exists('second.txt')).toBe(false);
  });

  it('--validate-only --only reports the selection alone, and an unknown name exits 2', async () => {
    for (const [file, text] of Object.entries(FILES)) ws.write(file, text);
    const checked = await runCli(['--validate-only', '--only', 'second'], { cwd: ws.dir, env: withoutDbPass() });
    expect(checked.code).toBe(0);
    expect(checked.stdout).toMatch(/\[ok\] +first +command/);
    expect(checked.stdout).toMatch(/\[ok\] +second +command/);
    expect(checked.stdout).not.toContain('mysql_dump');
    expect(checked.stdout).toContain('Configuration is valid: 2 processes in 2 files.');
    const unknown = await runCli(['--validate-only', '--only', 'nope'], { cwd: ws.dir, env: withoutDbPass() });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('main: unknown process "nope" in --only; known: first, second, mysql_dump\n');
  });
});
