import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, Workspace } from '../helpers/cli.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

// One process with a problem of every stage, one with a secret taken from a variable in a value that is wrong.
const BROKEN = [
  'good:',
  '  type: command',
  '  run: { argv: ["true"] }',
  'bad:',
  '  type: command',
  '  schedule: "61 * * * *"',
  '  run: { argv: ["${SAT_TEST_UNSET}"] }',
  '  colour: red',
  'other:',
  '  type: command',
  '  after: [nope]',
  '  timeout: forever',
  '  run: { argv: ["sat-no-such-program", "--password=${DB_PASS}"] }',
  '',
].join('\n');

describe('main --validate-only reports every problem in one pass', () => {
  it('an unset variable hides neither an unknown key nor a bad cron, and a schema error hides neither a missing program nor an unknown "after"', async () => {
    ws.write('config/a.yaml', BROKEN);
    const { code, stdout } = await runCli(['--validate-only'], { cwd: ws.dir, env: { DB_PASS: 'hunter2' } });
    expect(code).toBe(2);
    const problems = stdout.split('Problems:\n')[1]!.split('\n\n')[0]!.split('\n').map((l) => l.trim());
    expect(problems).toHaveLength(6);
    expect(problems[0]).toMatch(/^config\/a\.yaml:6:13: process "bad": .*"61 \* \* \* \*"/);
    expect(problems[1]).toMatch(/^config\/a\.yaml:7:17: process "bad": variable SAT_TEST_UNSET is not set/);
    expect(problems[2]).toMatch(/^config\/a\.yaml:8:3: process "bad": unknown key "colour"/);
    expect(problems[3]).toBe('config/a.yaml:11:11: process "other": "after" names "nope", which is not a process');
    expect(problems[4]).toMatch(/^config\/a\.yaml:12:12: process "other": expected "timeout" to be a duration/);
    expect(problems[5]).toBe('config/a.yaml:13:17: process "other": program "sat-no-such-program" was not found on PATH');
    // The unset variable leaves argv[0] empty: that is not reported a second time as a missing program.
    expect(stdout).not.toContain('program ""');
    expect(stdout).not.toContain('hunter2');
  });

  it('--json prints the report as JSON, every problem with file, line, process, key, value, message and code, and keeps exit 2', async () => {
    ws.write('config/a.yaml', BROKEN);
    const { code, stdout, stderr } = await runCli(['--validate-only', '--json'], { cwd: ws.dir, env: { DB_PASS: 'hunter2' } });
    expect(stderr).toBe('');
    expect(code).toBe(2);
    expect(stdout).not.toContain('hunter2');
    const report = JSON.parse(stdout);
    expect(report.valid).toBe(false);
    expect(report.stages.map((s: { name: string; problems: number }) => [s.name, s.problems])).toEqual([['found', 0], ['parsed', 0], ['interpolated', 1], ['schema', 2], ['checks', 3]]);
    expect(report.problems.map((p: Record<string, unknown>) => [p.line, p.process, p.key, p.value, p.code])).toEqual([
      [6, 'bad', 'schedule', '61 * * * *', 'E_SCHEDULE'],
      [7, 'bad', 'run.argv[0]', '${SAT_TEST_UNSET}', 'E_VARIABLE'],
      [8, 'bad', 'colour', 'red', 'E_UNKNOWN_KEY'],
      [11, 'other', 'after[0]', 'nope', 'E_AFTER'],
      [12, 'other', 'timeout', 'forever', 'E_SCHEMA'],
      [13, 'other', 'run.argv[0]', 'sat-no-such-program', 'E_CHECK'],
    ]);
    for (const p of report.problems) expect(Object.keys(p)).toEqual(['file', 'line', 'col', 'process', 'key', 'value', 'message', 'code']);
    expect(report.problems[0].file).toBe('config/a.yaml');
    expect(report.processes).toEqual([
      { name: 'good', file: 'config/a.yaml', type: 'command', valid: true, problems: 0, paths: [] },
      { name: 'bad', file: 'config/a.yaml', type: 'command', valid: false, problems: 3, paths: [] },
      { name: 'other', file: 'config/a.yaml', type: 'command', valid: false, problems: 3, paths: [] },
    ]);
  });

  it('--json of a valid folder says so and exits 0', async () => {
    ws.write('config/a.yaml', 'job:\n  type: command\n  run: { argv: ["true"] }\n');
    const { code, stdout } = await runCli(['--validate-only', '--json'], { cwd: ws.dir });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ valid: true, files: 1, problems: [], processes: [{ name: 'job', valid: true }] });
  });

  it('never shows a secret as the value of a problem', async () => {
    ws.write('config/a.yaml', 'job:\n  type: command\n  run: { argv: ["sat-no-such-program-${DB_PASS}"] }\n');
    const { code, stdout } = await runCli(['--validate-only', '--json'], { cwd: ws.dir, env: { DB_PASS: 'hunter2' } });
    expect(code).toBe(2);
    expect(stdout).not.toContain('hunter2');
    expect(JSON.parse(stdout).problems[0].key).toBe('run.argv[0]');
  });
});
