import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { runCli, Workspace } from '../helpers/cli.js';
import { Tmpfs } from '../helpers/tmpfs.js';

// The log files are checked before anything runs; one that fails later (a real full disk: a tmpfs the test
// mounts) is said once, and every line it lost is counted in the summary, which keeps the run's status.
let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove()); // and the disk a test mounted in it

const STACK = /^\s+at .+:\d+:\d+\)?$/m;
const LOG_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (DEBUG|INFO |WARN |ERROR) /;
// Lines whole in a file (a write cut short by the full disk may leave a piece of one at the end).
const wholeLines = (text: string) => text.split('\n').slice(0, -1).length;

describe('log files', () => {
  it('refuses a --log-dir that is a file before anything runs (exit 2, naming it), for main and main schedule', async () => {
    ws.write('not-a-folder', 'x\n');
    ws.write('config/a.yaml', 'ran:\n  type: command\n  run: { shell: "echo ran > ran.txt" }\n');
    for (const args of [['--log-dir', 'not-a-folder'], ['schedule', '--log-dir', 'not-a-folder'], ['--log-dir', 'not-a-folder/logs']]) {
      const r = await runCli(args, { cwd: ws.dir });
      expect([r.code, r.stdout, r.stderr]).toEqual([2, '', `main: cannot write the log in --log-dir "${args.at(-1)}": "not-a-folder" is not a folder\n`]);
    }
    expect(ws.exists('ran.txt')).toBe(false);
    expect(ws.exists('data')).toBe(false);
  });

  it('says once which log file a full disk stops, counts every line it lost in the summary (JSON and table), and keeps exit 0', async () => {
    const disk = new Tmpfs(ws.path('disk'), '1m');
    ws.write(
      'config/a.yaml',
      `fill:\n  type: command\n  logging: { file: ${disk.path('fill.log')} }\n  run: { shell: "head -c 10000000 /dev/zero > ${disk.path('filler')} 2>/dev/null; seq 1 200" }\n` +
        'after_fill:\n  type: command\n  after: [fill]\n  run: { shell: "echo ran > ran.txt" }\n',
    );
    const { code, stdout, stderr } = await runCli(['--log-dir', disk.path('logs'), '--report', 'report.json'], { cwd: ws.dir });
    expect(code).toBe(0);
    expect(ws.read('ran.txt')).toBe('ran\n');
    expect(stderr).not.toMatch(STACK);
    const jsonl = disk.path('logs/sysadmintoolkit.jsonl');
    const perProcess = disk.path('fill.log');
    for (const file of [jsonl, perProcess]) {
      expect(stderr.split('\n').filter((l) => l.includes(`Cannot write the log file ${file}: ENOSPC: no space left on device`))).toHaveLength(1);
    }

    const summary = JSON.parse(ws.read('report.json')) as RunSummary;
    expect(summary.status).toBe('success');
    const lost = new Map(summary.logFileFailures!.map((f) => [f.file, f]));
    expect([...lost.keys()].sort()).toEqual([perProcess, jsonl]);
    for (const f of lost.values()) expect(f.error).toBe('ENOSPC: no space left on device, write');
    // Nothing lost silently: every line on the console is in the file, or counted.
    const console = stderr.split('\n').filter((l) => LOG_LINE.test(l));
    expect(wholeLines(disk.read('logs/sysadmintoolkit.jsonl')) + lost.get(jsonl)!.linesLost).toBe(console.length);
    expect(wholeLines(disk.read('fill.log')) + lost.get(perProcess)!.linesLost).toBe(console.filter((l) => l.includes(' fill (command): ')).length);
    expect(lost.get(perProcess)!.linesLost).toBeGreaterThan(100);

    expect(stdout).toContain(`Log file ${jsonl}: ${lost.get(jsonl)!.linesLost} line(s) not written (ENOSPC: no space left on device, write).`);
    expect(stdout).toContain(`Log file ${perProcess}: ${lost.get(perProcess)!.linesLost} line(s) not written (ENOSPC: no space left on device, write).`);
  });
});
