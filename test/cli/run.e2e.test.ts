import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { runCli, startCli, stillRunning, waitFor, Workspace, EVENT_MS, cliStartMs } from '../helpers/cli.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

const step = (shell: string) => `{ shell: ${JSON.stringify(shell)} }`;
const proc = (name: string, shell: string, extra = '') => `${name}:\n  type: command\n${extra}  run: ${step(shell)}\n`;

async function runJson(args: string[] = []): Promise<{ code: number | null; summary: RunSummary; stderr: string }> {
  const { code, stdout, stderr } = await runCli(['--json', ...args], { cwd: ws.dir });
  return { code, summary: JSON.parse(stdout) as RunSummary, stderr };
}


describe('main runs every enabled process in its own child process', () => {
  it('prints a summary table and exits 0 when every process succeeds', async () => {
    ws.write('config/a.yaml', proc('first', 'echo one') + proc('second', 'echo two', '  timeout: 30\n'));
    const { code, stdout } = await runCli([], { cwd: ws.dir });
    expect(code).toBe(0);
    expect(stdout).toMatch(/Run \S+: SUCCESS \(2 success\) in \d+\.\d s/);
    expect(stdout).toMatch(/^PROCESS +TYPE +STATUS +DURATION +RECORDS \(read\/written\/rejected\) +INTEGRITY$/m);
    expect(stdout).toMatch(/^first +command +SUCCESS +\d+\.\d s +- +-$/m);
    expect(stdout).toMatch(/^second +command +SUCCESS/m);
  });

  it('prints the JSON summary of DESIGN.md with --json and writes the same with --report', async () => {
    ws.write('config/a.yaml', proc('ok', 'true') + proc('broken', 'echo disk full >&2; exit 3') + proc('off', 'true', '  enabled: false\n'));
    const { code, summary } = await runJson(['--report', 'out/summary.json']);
    expect(code).toBe(1);
    expect(summary.runId).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z-[0-9a-f]{4}$/);
    expect(summary.status).toBe('failed');
    expect(Date.parse(summary.finishedAt)).toBeGreaterThanOrEqual(Date.parse(summary.startedAt));
    expect(summary.processes.map((p) => [p.name, p.file, p.type, p.status])).toEqual([
      ['ok', 'config/a.yaml', 'command', 'success'],
      ['broken', 'config/a.yaml', 'command', 'failed'],
      ['off', 'config/a.yaml', 'command', 'skipped'],
    ]);
    expect(summary.processes[0]!.error).toBeUndefined();
    expect(summary.processes[1]!.error).toEqual({ code: 'E_COMMAND', message: '"echo disk full >&2; exit 3" exited with code 3: disk full' });
    expect(summary.processes[2]!.error).toEqual({ code: 'E_SKIPPED', message: 'disabled in its process file' });
    expect(typeof summary.processes[0]!.durationMs).toBe('number');
    expect(JSON.parse(ws.read('out/summary.json'))).toEqual(summary);
  });

  it('goes on with the other processes when one fails, and exits 1', async () => {
    ws.write('config/a.yaml', proc('fails', 'exit 1') + proc('works', 'echo done > works.txt'));
    const { code, summary } = await runJson(['-p', '1']);
    expect(code).toBe(1);
    expect(summary.processes.map((p) => p.status)).toEqual(['failed', 'success']);
    expect(ws.read('works.txt')).toBe('done\n');
  });

  it('runs a process after those it names in "after", and skips it when one of them did not succeed', async () => {
    ws.write('config/a.yaml', [
      proc('collect', 'sleep 0.3; echo collect >> order'),
      proc('summarise', 'echo summarise >> order', '  after: [collect]\n'),
      proc('store', 'echo store >> order', '  after: [summarise, collect]\n'),
      proc('broken', 'exit 1'),
      proc('report', 'echo report >> order', '  after: [broken]\n'),
    ].join(''));
    const { code, summary } = await runJson(['-p', '4']);
    expect(code).toBe(1);
    expect(ws.read('order')).toBe('collect\nsummarise\nstore\n');
    const report = summary.processes.find((p) => p.name === 'report')!;
    expect(report.status).toBe('skipped');
    expect(report.error?.message).toBe('not started: "broken" failed, and it runs after it');
  });

  it('never runs one process twice at once: a second main beside a first skips it, naming the holder', async () => {
    // The first run holds the process until the test lets it go (a file appears), whatever the machine's speed.
    ws.write('config/a.yaml', proc('slow', 'echo started >> runs; while [ ! -f go ]; do sleep 0.05; done'));
    const first = startCli(['--json'], { cwd: ws.dir });
    await waitFor(() => ws.exists('runs'), 60_000, 'the first run to start');
    const second = await runJson();
    ws.write('go', '');
    const firstDone = await first.done;
    expect(firstDone.code).toBe(0);
    expect(second.code).toBe(0);
    expect(second.summary.processes[0]).toMatchObject({ name: 'slow', status: 'skipped', error: { code: 'E_SKIPPED', message: expect.stringMatching(/^skipped: the previous run is still going \(started \S+ by \S+:\d+\)$/) } });
    expect(ws.read('runs').trim().split('\n')).toHaveLength(1);
  });

  it('runs at most --max-parallel children at once', async () => {
    let files = '';
    for (let i = 0; i < 6; i++) files += proc(`p${i}`, 'sleep 0.4');
    ws.write('config/a.yaml', files);
    const { code, summary } = await runJson(['--max-parallel', '2']);
    expect(code).toBe(0);
    const spans = summary.processes.map((p) => [Date.parse(p.startedAt), Date.parse(p.startedAt) + p.durationMs] as const);
    const overlapAt = (t: number) => spans.filter(([s, e]) => s <= t && t < e).length;
    expect(Math.max(...spans.map(([s]) => overlapAt(s)))).toBe(2);
  });

  it('runs only the processes named by --only, disabled or not', async () => {
    ws.write('config/a.yaml', proc('a', 'true') + proc('b', 'true', '  enabled: false\n') + proc('c', 'true'));
    const { code, summary } = await runJson(['--only', 'b', 'c']);
    expect(code).toBe(0);
    expect(summary.processes.map((p) => [p.name, p.status])).toEqual([
      ['b', 'success'],
      ['c', 'success'],
    ]);
  });

  it('rejects an unknown name in --only with exit 2 and runs nothing', async () => {
    ws.write('config/a.yaml', proc('a', 'touch ran.txt'));
    const { code, stdout, stderr } = await runCli(['--only', 'nope'], { cwd: ws.dir });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('main: unknown process "nope" in --only; known: a\n');
    expect(ws.exists('ran.txt')).toBe(false);
  });

  it('refuses to run anything when the configuration has a problem, and exits 2', async () => {
    ws.write('config/a.yaml', proc('a', 'touch ran.txt'));
    ws.write('config/b.yaml', 'b:\n  type: command\n  run: { shell: true, bogus: 1 }\n');
    const { code, stderr } = await runCli([], { cwd: ws.dir });
    expect(code).toBe(2);
    expect(stderr).toContain('config/b.yaml:3:23: process "b": unknown key "bogus"');
    expect(stderr).toContain('config/b.yaml:3:17: process "b": expected "shell" to be a string, got true');
    expect(stderr).toMatch(/Nothing was run: 2 problem\(s\) in \.\/config/);
    expect(ws.exists('ran.txt')).toBe(false);
    expect(ws.exists('data')).toBe(false);
  });

  it('answers a usage mistake with exit 2 and a line saying what was expected', async () => {
    const { code, stderr } = await runCli(['--max-parallel', 'lots'], { cwd: ws.dir });
    expect(code).toBe(2);
    expect(stderr).toContain('expected --max-parallel to be a whole number from 1 to 1024, got "lots"');
  });

  it('stops a process at its timeout and reports "timeout" while the others succeed', async () => {
    ws.write('config/a.yaml', proc('slow', 'sleep 30.25', '  timeout: 0.5\n') + proc('quick', 'true'));
    const { code, summary } = await runJson();
    expect(code).toBe(1);
    expect(summary.processes.map((p) => [p.name, p.status, p.error?.code])).toEqual([
      ['slow', 'timeout', 'E_TIMEOUT'],
      ['quick', 'success', undefined],
    ]);
    expect(summary.processes[0]!.durationMs).toBeLessThan(5000 + (await cliStartMs()));
    expect(stillRunning('sleep 30.25')).toBe('');
  });

  it('reports a child process killed by SIGKILL as failed and goes on with the others', async () => {
    // The shell's parent is the child process that runs the pipeline: this is the kernel's OOM killer, staged.
    ws.write('config/a.yaml', proc('killed', 'kill -9 $PPID; sleep 5') + proc('survivor', 'true'));
    const { code, summary } = await runJson();
    expect(code).toBe(1);
    expect(summary.processes[0]).toMatchObject({ status: 'failed', error: { code: 'E_CHILD_DIED', message: expect.stringContaining('killed by SIGKILL') } });
    expect(summary.processes[1]!.status).toBe('success');
  });

  it('kills what a command step started when its child process is killed', async () => {
    // The kill comes once the step is running (as an OOM kill would), not in the microsecond after spawn,
    // before the child has told main about the step's process group.
    ws.write('config/a.yaml', proc('orphaner', 'sleep 37.5 & sleep 0.5; kill -9 $PPID; wait'));
    const { code, summary } = await runJson();
    expect(code).toBe(1);
    expect(summary.processes[0]!.error?.code).toBe('E_CHILD_DIED');
    await waitFor(() => stillRunning('sleep 37.5') === '', EVENT_MS, 'the orphaned sleep to be killed');
  });

  it('fails the run (exit 1) when a child is interrupted from outside', async () => {
    ws.write('config/a.yaml', proc('stopped', 'kill -TERM $PPID; sleep 5'));
    const { code, summary } = await runJson();
    expect(summary.processes[0]!.status).toBe('interrupted');
    expect(summary.status).toBe('failed');
    expect(code).toBe(1);
  });

  it('refuses a --report path it cannot write before running anything', async () => {
    ws.write('config/a.yaml', proc('a', 'touch ran.txt'));
    ws.write('out/.keep', '');
    const { code, stderr } = await runCli(['--report', 'out'], { cwd: ws.dir });
    expect(code).toBe(2);
    expect(stderr).toBe('main: cannot write the report to "out": it is a folder\n');
    expect(ws.exists('ran.txt')).toBe(false);
  });

  for (const [signal, exitCode] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`forwards ${signal} to the children, waits for them, prints a summary with "interrupted" and exits ${exitCode}`, async () => {
      ws.write('config/a.yaml', proc('long1', 'sleep 30.5') + proc('long2', 'sleep 30.5') + proc('queued', 'touch ran.txt'));
      const run = startCli(['--json', '-p', '2'], { cwd: ws.dir });
      let stderr = '';
      run.child.stderr!.on('data', (d) => (stderr += d));
      await waitFor(() => (stderr.match(/Running "sleep 30\.5"/g) ?? []).length === 2, EVENT_MS, 'both processes to start');
      run.child.kill(signal);
      const { code, stdout } = await run.done;
      expect(code).toBe(exitCode);
      const summary = JSON.parse(stdout) as RunSummary;
      expect(summary.status).toBe('interrupted');
      expect(summary.processes.map((p) => [p.name, p.status])).toEqual([
        ['long1', 'interrupted'],
        ['long2', 'interrupted'],
        ['queued', 'skipped'],
      ]);
      expect(summary.processes[0]!.error?.message).toBe(`interrupted by ${signal}`);
      expect(ws.exists('ran.txt')).toBe(false);
      expect(stillRunning('sleep 30.5')).toBe('');
    });
  }
});

describe('main history', () => {
  it('lists the recorded runs, newest first, with the processes that did not succeed', async () => {
    ws.write('config/a.yaml', proc('good', 'true'));
    expect((await runCli([], { cwd: ws.dir })).code).toBe(0);
    ws.write('config/a.yaml', proc('good', 'true') + proc('bad', 'echo no space left >&2; exit 1'));
    expect((await runCli([], { cwd: ws.dir })).code).toBe(1);
    const { code, stdout } = await runCli(['history', '-n', '5'], { cwd: ws.dir });
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^RUN +STATUS +DURATION +PROCESSES$/);
    expect(lines[1]).toMatch(/^\S+Z-[0-9a-f]{4} +FAILED +\d+\.\d s +1 success, 1 failed$/);
    expect(lines[2]).toBe('    bad (command) failed: "echo no space left >&2; exit 1" exited with code 1: no space left');
    expect(lines[3]).toMatch(/^\S+ +SUCCESS +\d+\.\d s +1 success$/);
    const json = JSON.parse((await runCli(['history', '--json'], { cwd: ws.dir })).stdout);
    expect(json).toHaveLength(2);
  });

  it('says so when nothing has run yet', async () => {
    const { code, stdout } = await runCli(['history'], { cwd: ws.dir });
    expect(code).toBe(0);
    expect(stdout).toBe('No runs recorded yet in ./data/state.db.\n');
  });
});
