import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { parseDuration } from '../../src/lib/duration.js';
import { runCli, Workspace } from '../helpers/cli.js';

// Durations with units, in process files and flags, through the real CLI; a number stays seconds.
let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

describe('a duration', () => {
  it('is read as seconds: a number, or amounts with units s, m, h, d', () => {
    expect(['30', '30s', '5m', '1h', '2h30m', '1d', '1.5h', '1d12h', '90S'].map(parseDuration)).toEqual([30, 30, 300, 3600, 9000, 86_400, 5400, 129_600, 90]);
    for (const bad of ['5 minutes', 'ten', '', 'm', '1w', '-5s', '1h-30m', '5mins']) expect(parseDuration(bad), bad).toBeUndefined();
  });

  it('with units is accepted wherever a process file takes seconds, and the runner gets the seconds', async () => {
    ws.write(
      'config/a.yaml',
      'slow:\n  type: command\n  timeout: 1s\n  run: { shell: "sleep 30" }\n' +
        'steps:\n  type: command\n  timeout: 2h30m\n  run: { argv: ["true"], timeout: 1d }\n' +
        'scan:\n  type: scan\n  sources_dir: sources\n  request_timeout: 30s\n  enabled: false\n',
    );
    ws.write('sources/BORDE', 'http://mrtg/x.log;eth0;10;cisco\n');
    const checked = await runCli(['--validate-only'], { cwd: ws.dir });
    expect(checked.code, checked.stdout).toBe(0);
    const started = Date.now();
    const r = await runCli(['--json', '--only', 'slow,steps'], { cwd: ws.dir });
    const summary = JSON.parse(r.stdout) as RunSummary;
    // "1s" is one second: the 30 s sleep is stopped long before it ends.
    expect(summary.processes.map((p) => [p.name, p.status, p.error?.code])).toEqual([['slow', 'timeout', 'E_TIMEOUT'], ['steps', 'success', undefined]]);
    expect(Date.now() - started).toBeLessThan(25_000);
  });

  it('that is not one is refused naming the file, line, process and value; one out of range says its seconds', async () => {
    ws.write('config/a.yaml', 'job:\n  type: command\n  timeout: 5 minutes\n  run: { argv: ["true"], timeout: 400d }\n');
    const r = await runCli(['--validate-only'], { cwd: ws.dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('config/a.yaml:3:12: process "job": expected "timeout" to be a duration such as 30, "30s", "5m" or "1h", got "5 minutes"');
    expect(r.stdout).toContain('config/a.yaml:4:35: process "job": expected "timeout" to be at most 31622400 (seconds: a year; leave the key out for no limit), got "400d" (34560000 seconds)');
  });

  it('is described by main schema: a number of seconds or a string with units', async () => {
    const r = await runCli(['schema'], { cwd: ws.dir });
    const timeout = JSON.parse(r.stdout).definitions.command.properties.timeout;
    expect(timeout).toMatchObject({ type: ['number', 'string'], exclusiveMinimum: 0, 'x-duration': true });
    expect(new RegExp(timeout.pattern).test('2h30m')).toBe(true);
    expect(new RegExp(timeout.pattern).test('5 minutes')).toBe(false);
    expect(timeout.description).toContain('A number of seconds, or a duration with units s, m, h, d');
  });

  it('with units is taken by the flags that take seconds, and a bad one is refused naming the flag', async () => {
    // No scheduler beats here: a --max-age that was read makes `health` answer 1 (unhealthy), not 2 (usage).
    const health = await runCli(['health', '--max-age', '2m'], { cwd: ws.dir });
    expect(health.code, health.stderr).toBe(1);
    const bad = await runCli(['schedule', '--grace', '2 minutes'], { cwd: ws.dir });
    expect([bad.code, bad.stderr]).toEqual([2, "main: option '--grace <duration>' argument '2 minutes' is invalid. expected --grace to be a whole number from 0 to 86400, got \"2 minutes\" (seconds; or a duration such as \"30s\", \"5m\", \"1h\" or \"2h30m\")\n"]);
  });
});
