import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { runCli, startCli, waitFor, Workspace, EVENT_MS } from '../helpers/cli.js';

// Real runs of real processes, then `main history` reads the state store and the JSON-lines log they left.
let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

const proc = (name: string, shell: string) => `${name}:\n  type: command\n  run: { shell: ${JSON.stringify(shell)} }\n`;
const main = (args: string[]) => runCli(args, { cwd: ws.dir });

async function run(args: string[] = []): Promise<RunSummary> {
  const r = await main(['--json', ...args]);
  expect(r.code, r.stderr).not.toBe(2);
  return JSON.parse(r.stdout) as RunSummary;
}

interface Listed {
  runId: string;
  status: string;
  processes: Array<{ name: string; status: string; error?: { code: string; message: string } }>;
}

const listed = async (args: string[]) => (JSON.parse((await main(['history', '--json', ...args])).stdout) as Listed[]).map((r) => r.runId);

describe('main history', () => {
  it('lists the runs of one process, of one status, since a time, with each error as the summary has it ({code, message})', async () => {
    ws.write('config/a.yaml', proc('good', 'true') + proc('bad', 'echo no space left >&2; exit 3'));
    const failed = await run();
    const succeeded = await run(['--only', 'good']);
    expect([failed.status, succeeded.status]).toEqual(['failed', 'success']);

    expect(await listed([])).toEqual([succeeded.runId, failed.runId]);
    expect(await listed(['--process', 'bad'])).toEqual([failed.runId]);
    expect(await listed(['--status', 'success'])).toEqual([succeeded.runId]);
    expect(await listed(['--status', 'failed'])).toEqual([failed.runId]);
    expect(await listed(['--process', 'good', '--status', 'success'])).toEqual([succeeded.runId, failed.runId]);
    expect(await listed(['--process', 'good', '--status', 'failed'])).toEqual([]);
    expect(await listed(['--since', '1h'])).toEqual([succeeded.runId, failed.runId]);
    expect(await listed(['--since', succeeded.startedAt])).toEqual([succeeded.runId]);
    expect(await listed(['--since', '2999-01-01'])).toEqual([]);

    const [run1] = JSON.parse((await main(['history', '--json', '--status', 'failed'])).stdout) as Listed[];
    const bad = run1!.processes.find((p) => p.name === 'bad')!;
    expect(bad.error).toEqual(failed.processes.find((p) => p.name === 'bad')!.error);
    expect(bad.error).toEqual({ code: 'E_COMMAND', message: '"echo no space left >&2; exit 3" exited with code 3: no space left' });

    const table = await main(['history', '--process', 'bad']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n').slice(1, 3)).toEqual([expect.stringMatching(new RegExp(`^${failed.runId} +FAILED `)), `    bad (command) failed: ${bad.error!.message}`]);
    expect(await main(['history', '--since', '2999-01-01'])).toMatchObject({ code: 0, stdout: 'No runs match.\n' });
  });

  it('refuses a status it does not know, and a time it cannot read, naming what it accepts (exit 2)', async () => {
    expect(await main(['history', '--status', 'timeout'])).toMatchObject({ code: 2, stderr: 'main: expected --status to be one of success, failed, interrupted, skipped, running, abandoned, got "timeout"\n' });
    expect((await main(['history', '--process', 'a', '--status', 'timeout'])).code).toBe(0);
    const since = await main(['history', '--since', 'yesterday']);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('expected --since to be a duration such as "7d" or "12h", a day such as 2026-11-23 or an ISO 8601 time, got "yesterday"');
  });

  it('shows one run whole: each process with its status, time, records, integrity checks, error and reports, then its log lines', async () => {
    const lines = Array.from({ length: 1500 }, (_, i) => `10.0.0.1 - - [23/Nov/2026:04:00:0${i % 10} +0000] "GET /p${i % 7} HTTP/1.1" 200 512 "-" "curl/8"`);
    ws.write('in/access.log', `${lines.join('\n')}\n`);
    ws.write('config/a.yaml', `web:\n  type: logs\n  inputs: ["in/access.log"]\n  format: nginx-combined\n  database: data/logs.db\n  reports_dir: data/reports/logs\n${proc('bad', 'echo the bad one; exit 3')}`);
    const earlier = await run(['--only', 'bad']);
    const summary = await run();
    const web = summary.processes.find((p) => p.name === 'web')!;

    // A run is named by its id, or by its end (the four hex digits) when that is enough.
    const r = await main(['history', summary.runId.slice(-4)]);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(new RegExp(`^Run ${summary.runId}: FAILED in \\d+\\.\\d s\\nStarted ${summary.startedAt}, finished ${summary.finishedAt}, on \\S+ \\(pid \\d+\\), process files ./config\\n`));
    expect(out).toMatch(/^web \(logs\): SUCCESS in \d+\.\d s, started \S+, from config\/a\.yaml$/m);
    expect(out).toContain('  records: 1,500 read, 1,500 written, 0 rejected\n');
    expect(out).toContain('  integrity: ok (1 check(s))\n');
    expect(out).toMatch(/^ {4}ok {6}stored \S+access\.log: expected \{"entries":1500,"rejected":0\}, got \{"entries":1500,"rejected":0\}$/m);
    for (const report of web.reports!) expect(out).toContain(`  report: ${report}\n`);
    expect(out).toMatch(/^bad \(command\): FAILED in \d+\.\d s, started \S+, from config\/a\.yaml\n {2}error: E_COMMAND: "echo the bad one; exit 3" exited with code 3: the bad one$/m);
    expect(out).toMatch(/^Log lines \(\d+, from \.\/data\/logs\):$/m);
    expect(out).toMatch(/^\S+Z INFO {2}bad \(command\): stdout\| the bad one/m);
    expect(out).toMatch(/^\S+Z ERROR bad \(command\): Finished: failed in/m);
    expect(out).toContain(`INFO  Run ${summary.runId} failed.`);
    // Only this run's lines: the earlier run of "bad" printed the same, under another id.
    expect(out.match(/stdout\| the bad one/g)).toHaveLength(1);
    expect(out).not.toContain(earlier.runId);

    const json = JSON.parse((await main(['history', summary.runId, '--json'])).stdout) as RunSummary & { log: Array<Record<string, unknown>> };
    expect(json).toMatchObject({ runId: summary.runId, status: 'failed', startedAt: summary.startedAt, finishedAt: summary.finishedAt });
    expect(json.processes.map(({ name, status, records, integrity, error, reports }) => ({ name, status, records, integrity, error, reports }))).toEqual(
      summary.processes.map(({ name, status, records, integrity, error, reports }) => ({ name, status, records, integrity, error, reports })),
    );
    expect(json.log.length).toBeGreaterThan(5);
    expect(json.log.every((l) => l.runId === summary.runId)).toBe(true);

    const onlyBad = JSON.parse((await main(['history', summary.runId, '--json', '--process', 'bad'])).stdout) as { log: Array<Record<string, unknown>> };
    expect(new Set(onlyBad.log.map((l) => l.process))).toEqual(new Set(['bad']));
  });

  it('says which run is unknown, or that a prefix names several (exit 2)', async () => {
    ws.write('config/a.yaml', proc('good', 'true'));
    const a = await run();
    const b = await run();
    expect(await main(['history', 'nope'])).toMatchObject({ code: 2, stderr: 'main: no run "nope" in the state store ./data/state.db (`main history` lists the runs)\n' });
    const both = await main(['history', '20']);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe(`main: "20" names 2 runs: ${b.runId}, ${a.runId}; give more of the run id\n`);
  });
});

describe('a run none of whose processes ran', () => {
  it('reads SKIPPED, not SUCCESS, in the summary and in history, when its process was skipped because the previous run was still going', async () => {
    ws.write('config/a.yaml', proc('slow', 'echo waiting; while [ ! -f go ]; do sleep 0.1; done'));
    const first = startCli(['--json'], { cwd: ws.dir });
    await waitFor(() => ws.exists('data/logs/sysadmintoolkit.jsonl') && ws.read('data/logs/sysadmintoolkit.jsonl').includes('"message":"waiting"'), EVENT_MS, 'the first run to be under way');
    const table = await main([]);
    const json = await main(['--json']);
    ws.write('go', '');
    expect((await first.done).code).toBe(0);

    // Nothing failed: exit 0, and the summary JSON keeps DESIGN.md's run status.
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^Run \S+: SKIPPED \(1 skipped\) in \d+\.\d s$/m);
    expect(table.stdout).toMatch(/^slow +command +SKIPPED /m);
    expect(table.stdout).toMatch(/^ {4}skipped: the previous run is still going \(started \S+ by \S+:\d+\)$/m);
    const skipped = JSON.parse(json.stdout) as RunSummary;
    expect([json.code, skipped.status, skipped.processes[0]!.status, skipped.processes[0]!.error!.code]).toEqual([0, 'success', 'skipped', 'E_SKIPPED']);

    const history = await main(['history']);
    const rows = history.stdout.split('\n');
    expect(rows.filter((l) => /^\S+Z-[0-9a-f]{4} +SKIPPED +\d+\.\d s +1 skipped$/.test(l))).toHaveLength(2);
    expect(rows.filter((l) => /^ {4}slow \(command\): skipped: the previous run is still going/.test(l))).toHaveLength(2);
    expect(rows.filter((l) => /^\S+Z-[0-9a-f]{4} +SUCCESS +\d+\.\d s +1 success$/.test(l))).toHaveLength(1);
    const first3 = JSON.parse((await first.done).stdout) as RunSummary;
    expect(await listed(['--status', 'skipped'])).toEqual(expect.arrayContaining([skipped.runId]));
    expect(await listed(['--status', 'skipped'])).toHaveLength(2);
    expect(await listed(['--status', 'success'])).toEqual([first3.runId]);
    const [latest] = JSON.parse((await main(['history', '--json', '-n', '1'])).stdout) as Listed[];
    expect(latest).toMatchObject({ runId: skipped.runId, status: 'skipped', processes: [{ name: 'slow', status: 'skipped', error: skipped.processes[0]!.error }] });
  });
});
