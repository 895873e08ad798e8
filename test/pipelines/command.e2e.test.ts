import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { runCli, stillRunning, Workspace } from '../helpers/cli.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

async function run(definition: string): Promise<{ code: number | null; process: RunSummary['processes'][number]; output: string[] }> {
  ws.write('config/job.yaml', `job:\n  type: command\n${definition}`);
  const { code, stdout } = await runCli(['--json'], { cwd: ws.dir });
  const summary = JSON.parse(stdout) as RunSummary;
  const output = ws
    .read('data/logs/sysadmintoolkit.jsonl')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((l) => l.stream && l.runId === summary.runId)
    .map((l) => `${l.stream}: ${l.message}`);
  return { code, process: summary.processes[0]!, output };
}

describe('the command kind', () => {
  it('runs argv without a shell: no expansion, no word splitting, no injection', async () => {
    const { code, output } = await run(`  run: { argv: [printf, "%s|", "$HOME", "a b; echo injected"] }\n`);
    expect(code).toBe(0);
    expect(output).toEqual(['stdout: $HOME|a b; echo injected|']);
  });

  it('runs a shell command line when asked', async () => {
    const { output } = await run(`  run: { shell: "echo abc | tr a-c x-z" }\n`);
    expect(output).toEqual(['stdout: xyz']);
  });

  it('passes env, and only env and PATH when inherit_env is false', async () => {
    process.env.SAT_TEST_INHERITED = 'from-main';
    try {
      const inherited = await run(`  run: { shell: 'echo "$GREETING $SAT_TEST_INHERITED"', env: { GREETING: hello } }\n`);
      expect(inherited.output).toEqual(['stdout: hello from-main']);
      const isolated = await run(`  run: { shell: 'echo "$GREETING [$SAT_TEST_INHERITED] $PORT"', env: { GREETING: hi, PORT: 5432 }, inherit_env: false }\n`);
      expect(isolated.output).toEqual(['stdout: hi [] 5432']);
    } finally {
      delete process.env.SAT_TEST_INHERITED;
    }
  });

  it('runs in the working directory it names', async () => {
    ws.write('backups/.keep', '');
    const { output } = await run(`  run: { argv: [pwd], cwd: backups }\n`);
    expect(output).toEqual([`stdout: ${ws.path('backups')}`]);
  });

  it('fails with the exit code and the last lines of stderr', async () => {
    const { code, process } = await run(`  run: { shell: "echo starting; echo 'rsync: link_stat failed' >&2; exit 23" }\n`);
    expect(code).toBe(1);
    expect(process.error).toEqual({ code: 'E_COMMAND', message: `"echo starting; echo 'rsync: link_stat failed' >&2; exit 23" exited with code 23: rsync: link_stat failed` });
  });

  it("stops a step at its own timeout, with everything it started", async () => {
    const { process } = await run(`  run: { shell: "sleep 30.75 & sleep 30.75", timeout: 0.5 }\n`);
    expect(process).toMatchObject({ status: 'failed', error: { code: 'E_COMMAND', message: '"sleep 30.75 & sleep 30.75": timed out after 0.5 s' } });
    expect(stillRunning('sleep 30.75')).toBe('');
  });

  it('reports a passing verify command as its integrity check', async () => {
    const { code, process } = await run(`  run: { shell: "echo data > out.txt" }\n  verify: { argv: [grep, -q, data, out.txt] }\n`);
    expect(code).toBe(0);
    expect(process.integrity).toEqual({ ok: true, checks: [{ name: 'verify "grep -q data out.txt"', ok: true, expected: 'exit 0', actual: 'exit 0' }] });
  });

  it('fails the process when verify fails, and says why', async () => {
    const { code, process } = await run(`  run: { shell: "echo data > out.txt" }\n  verify: { shell: "echo 'checksum mismatch' >&2; exit 1" }\n`);
    expect(code).toBe(1);
    expect(process.status).toBe('failed');
    expect(process.integrity).toMatchObject({ ok: false, checks: [{ ok: false, expected: 'exit 0', actual: 'exit 1' }] });
    expect(process.error).toEqual({ code: 'E_INTEGRITY', message: `integrity check failed: "echo 'checksum mismatch' >&2; exit 1" exited with code 1: checksum mismatch` });
  });

  it('does not verify after a failed run', async () => {
    const { process } = await run(`  run: { shell: "exit 4" }\n  verify: { shell: "touch verified.txt" }\n`);
    expect(process.error?.code).toBe('E_COMMAND');
    expect(process.integrity).toBeUndefined();
    expect(ws.exists('verified.txt')).toBe(false);
  });

  it('is refused at validation when its program or working directory does not exist', async () => {
    ws.write('config/job.yaml', 'job:\n  type: command\n  run: { argv: [./missing.sh] }\n  verify: { argv: [ls], cwd: nowhere }\n');
    const { code, stdout } = await runCli(['--validate-only'], { cwd: ws.dir });
    expect(code).toBe(2);
    expect(stdout).toContain('config/job.yaml:3:17: process "job": program "./missing.sh" does not exist or is not executable');
    expect(stdout).toContain('config/job.yaml:4:30: process "job": working directory "nowhere" does not exist');
  });
});
