import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { EVENT_MS, runCli, startCli, stillRunning, waitFor, Workspace } from '../helpers/cli.js';

// A `command` process runs in main itself, its program under a guard shell (src/lib/guard.ts): what a Node child
// per process guaranteed still holds.
let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

const logLines = () => ws.read('data/logs/sysadmintoolkit.jsonl').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('a command process run by main', () => {
  it('leaves nothing running when main is killed with SIGKILL: its group gets SIGTERM, then SIGKILL after the grace', async () => {
    // One program stops on SIGTERM, the other ignores it and is killed 3 s later (the kind's grace).
    ws.write('config/job.yaml', `job:\n  type: command\n  run: { shell: "sleep 43.25 & trap '' TERM; echo ready; sleep 44.25" }\n`);
    const run = startCli([], { cwd: ws.dir });
    let stderr = '';
    run.child.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => /stdout\| ready/.test(stderr) && stillRunning('^sleep 4[34]\\.25').split('\n').length === 2, EVENT_MS, 'both sleeps to run');
    run.child.kill('SIGKILL');
    await run.done;
    await waitFor(() => stillRunning('sleep 43.25') === '', EVENT_MS, 'the sleep that stops on SIGTERM to end');
    await waitFor(() => stillRunning('sleep 44.25') === '', EVENT_MS, 'the sleep that ignores SIGTERM to be killed');
    expect(stillRunning(ws.dir)).toBe('');
  });

  it("reports the peak memory of the command's process tree: 200 MB held by a grandchild", async () => {
    const node = process.execPath;
    const hold = `const b = Buffer.alloc(200 * 1048576, 1); setTimeout(() => b.length, 1500)`;
    // sh → sh → node: the memory is two levels below the command.
    ws.write('config/job.yaml', `job:\n  type: command\n  run: { argv: [sh, -c, ${JSON.stringify(`sh -c '${node} -e "${hold}"; true'; true`)}] }\n`);
    const { code } = await runCli([], { cwd: ws.dir });
    expect(code).toBe(0);
    const finished = logLines().find((l) => String(l.message).startsWith('Finished:'))!;
    expect(finished.peakMemoryMb).toBeGreaterThanOrEqual(200);
    expect(finished.message).toMatch(/^Finished: success in \d+\.\d s, peak memory \d+ MB\.$/);
  });

  it('shows argv shell-quoted, in the log and in the summary, so that it can be pasted into a shell', async () => {
    const argv = ['sh', '-c', `echo "it's $1" >&2; exit 3`, 'two words', "a'b", '$HOME'];
    ws.write('config/job.yaml', `job:\n  type: command\n  run: { argv: ${JSON.stringify(argv)} }\n`);
    const { code, stdout } = await runCli(['--json'], { cwd: ws.dir });
    expect(code).toBe(1);
    const line = `sh -c "echo \\"it's \\$1\\" >&2; exit 3" 'two words' "a'b" '$HOME'`;
    const { error } = (JSON.parse(stdout) as RunSummary).processes[0]!;
    expect(error).toEqual({ code: 'E_COMMAND', message: `"${line}" exited with code 3: it's a'b` });
    expect(logLines().map((l) => l.message)).toContain(`Running "${line}".`);
    // Pasted into a shell, the line gives the same arguments back.
    const pasted = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${line.replace(/^sh /, '')}`], { encoding: 'utf8' });
    expect(pasted.split('\0').slice(0, -1)).toEqual(argv.slice(1));
  });

  it('masks a secret inside a quoted argument', async () => {
    ws.write('config/job.yaml', `job:\n  type: command\n  run: { argv: [sh, -c, "exit 1", "--password=\${DB_PASS}"] }\n`);
    const { stdout } = await runCli(['--json'], { cwd: ws.dir, env: { DB_PASS: `s3cr'et $x` } });
    const { error } = (JSON.parse(stdout) as RunSummary).processes[0]!;
    expect(error?.message).toMatch(/^"sh -c 'exit 1' "--password=\*\*\*/);
    expect(ws.readAll()).not.toContain('s3cr');
  });

  it('shows what it runs with --validate-only -v, shell-quoted, its secrets masked', async () => {
    ws.write('config/job.yaml', `job:\n  type: command\n  run: { argv: [printf, "--file=/backups/my dump", "--password=\${DB_PASS}"] }\n  verify: { shell: "test -s '/backups/my dump'" }\n`);
    const { code, stdout } = await runCli(['--validate-only', '-v'], { cwd: ws.dir, env: { DB_PASS: 'hunter2' } });
    expect(code).toBe(0);
    expect(stdout).toContain(['What runs:', "  job: run: printf '--file=/backups/my dump' --password=***", "  job: verify: test -s '/backups/my dump'", ''].join('\n'));
    expect(stdout).not.toContain('hunter2');
    expect((await runCli(['--validate-only'], { cwd: ws.dir, env: { DB_PASS: 'hunter2' } })).stdout).not.toContain('What runs:');
  });
});
