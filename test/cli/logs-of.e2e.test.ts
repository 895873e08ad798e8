import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { runCli, startCli, waitFor, Workspace, EVENT_MS } from '../helpers/cli.js';

// Real runs write the JSON-lines log; `main logs-of` reads it back, and follows a run that is still going.
let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

const proc = (name: string, shell: string) => `${name}:\n  type: command\n  run: { shell: ${JSON.stringify(shell)} }\n`;
const main = (args: string[]) => runCli(args, { cwd: ws.dir });
const logText = () => (ws.exists('data/logs/sysadmintoolkit.jsonl') ? ws.read('data/logs/sysadmintoolkit.jsonl') : '');

describe('main logs-of', () => {
  it("prints a run's log lines, as people read them or as written (--json), of one process with --process", async () => {
    ws.write('config/a.yaml', proc('one', 'echo from one') + proc('two', 'echo from two'));
    const earlier = JSON.parse((await main(['--json'])).stdout) as RunSummary;
    const summary = JSON.parse((await main(['--json'])).stdout) as RunSummary;

    const human = await main(['logs-of', summary.runId]);
    expect(human.code, human.stderr).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^\\S+Z INFO {2}Run ${summary.runId} started: 2 of 2 processes`));
    expect(lines).toContainEqual(expect.stringMatching(/^\S+Z INFO {2}one \(command\): stdout\| from one step="echo from one"$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\S+Z INFO {2}two \(command\): stdout\| from two/));
    expect(lines.at(-1)).toMatch(new RegExp(`^\\S+Z INFO {2}Run ${summary.runId} success\\.$`));
    expect(human.stdout).not.toContain(earlier.runId);

    const json = await main(['logs-of', summary.runId, '--json', '--process', 'two']);
    const entries = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries.length).toBeGreaterThanOrEqual(3);
    expect(entries.every((e) => e.runId === summary.runId && e.process === 'two' && e.type === 'command')).toBe(true);
    expect(entries.map((e) => e.message)).toContain('from two');
    // Each line as the log has it.
    for (const line of json.stdout.trimEnd().split('\n')) expect(logText()).toContain(line);

    expect(await main(['logs-of', 'nope'])).toMatchObject({ code: 2, stderr: 'main: no run "nope" in the state store ./data/state.db (`main history` lists the runs)\n' });
  });

  it('follows a run in progress: prints lines as they come, and stops once the run has ended', async () => {
    ws.write('config/a.yaml', proc('waits', 'echo waiting; while [ ! -f go ]; do sleep 0.1; done; echo got it'));
    const run = startCli([], { cwd: ws.dir });
    await waitFor(() => logText().includes('"message":"waiting"'), EVENT_MS, 'the process to start waiting');
    const [listed] = JSON.parse((await main(['history', '--json'])).stdout) as Array<{ runId: string; status: string }>;
    expect(listed!.status).toBe('running');

    const follow = startCli(['logs-of', listed!.runId, '--follow'], { cwd: ws.dir });
    let out = '';
    follow.child.stdout!.on('data', (d) => (out += d));
    await waitFor(() => out.includes('stdout| waiting'), EVENT_MS, 'logs-of to print the line already written');
    // The run is still going: logs-of waits with it.
    expect(follow.child.exitCode).toBeNull();
    expect(out).not.toContain('stdout| got it');
    ws.write('go', '');
    const followed = await follow.done;
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stdout).toMatch(/waits \(command\): stdout\| got it/);
    expect(followed.stdout.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`INFO {2}Run ${listed!.runId} success\\.$`));
    expect((await run.done).code).toBe(0);
    // What it printed following is what it prints afterwards.
    expect(followed.stdout).toBe((await main(['logs-of', listed!.runId])).stdout);
  });
});
