import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyDefaults, DEFAULT_KEYS } from '../../src/config/defaults.js';
import { loadConfig } from '../../src/config/index.js';
import { kinds } from '../../src/pipelines/registry.js';
import { runCli, Workspace } from '../helpers/cli.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

const PROCESSES = [
  'slow:', // takes the default timeout and logging
  '  type: command',
  '  run: { shell: "sleep 30" }',
  'quick:', // its own timeout and logging, each replacing the default whole
  '  type: command',
  '  timeout: 60',
  '  logging: { level: ERROR }',
  '  run: { shell: "echo quick" }',
  '',
].join('\n');

describe('shared defaults in config/.defaults.yaml', () => {
  it('give monitoring, logging and timeout to every process that sets none of its own, each key replaced whole', async () => {
    ws.write('config/.defaults.yaml', 'timeout: 2s\nlogging: { level: DEBUG, file: data/logs/all.log }\n');
    ws.write('config/more/b.yaml', PROCESSES);
    const r = await runCli(['--json'], { cwd: ws.dir });
    expect(r.code).toBe(1);
    const summary = JSON.parse(r.stdout);
    expect(summary.processes.map((p: { name: string; status: string }) => [p.name, p.status])).toEqual([['slow', 'timeout'], ['quick', 'success']]);
    const lines = ws.read('data/logs/all.log');
    expect(lines).toContain('slow (command): Running "sleep 30"');
    expect(lines).not.toContain('quick');
    const report = await runCli(['--validate-only'], { cwd: ws.dir });
    expect(report.stdout).toContain('Defaults: config/.defaults.yaml gives timeout, logging to every process that sets none of its own.');
  });

  it('are refused naming .defaults.yaml and the line, every problem at once, and nothing runs', async () => {
    ws.write('config/.defaults.yaml', 'timeout: forever\nretries: 3\nlogging: { level: LOUD }\nmonitoring: { url: "http://influx:8086", database: "${SAT_TEST_UNSET}" }\n');
    ws.write('config/a.yaml', 'job:\n  type: command\n  run: { shell: "touch ran" }\n');
    const r = await runCli([], { cwd: ws.dir });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n').slice(0, 4)).toEqual([
      'config/.defaults.yaml:1:10: expected "timeout" to be a duration such as 30, "30s", "5m" or "1h", got "forever"',
      'config/.defaults.yaml:2:1: unknown key "retries"; expected one of: monitoring, logging, notify, timeout, retention, housekeeping',
      'config/.defaults.yaml:3:19: expected "level" to be one of DEBUG, INFO, WARNING, ERROR, got "LOUD"',
      'config/.defaults.yaml:4:52: variable SAT_TEST_UNSET is not set (export it, or write ${SAT_TEST_UNSET:-default})',
    ]);
    expect(ws.exists('ran')).toBe(false);
    const json = JSON.parse((await runCli(['--validate-only', '--json'], { cwd: ws.dir })).stdout);
    expect(json.problems.map((p: { code: string; key: string }) => [p.code, p.key])).toEqual([
      ['E_DEFAULTS', 'timeout'],
      ['E_DEFAULTS', 'retries'],
      ['E_DEFAULTS', 'logging.level'],
      ['E_DEFAULTS', 'monitoring.database'],
    ]);
  });

  it('are read beside the one process file -c names, and a process file named defaults.yaml stays a process file', async () => {
    ws.write('config/.defaults.yaml', 'timeout: 2s\n');
    ws.write('config/defaults.yaml', PROCESSES);
    const r = await runCli(['--json', '-c', 'config/defaults.yaml'], { cwd: ws.dir });
    expect(JSON.parse(r.stdout).processes.map((p: { name: string; status: string }) => [p.name, p.status])).toEqual([['slow', 'timeout'], ['quick', 'success']]);
  });

  it('give monitoring too, and pass notify on as it is (the process schema judges it), to a process without its own', async () => {
    ws.write('config/.defaults.yaml', 'monitoring: { url: "http://metrics:8086", database: backups }\n');
    ws.write('config/a.yaml', 'job:\n  type: command\n  run: { argv: ["true"] }\nown:\n  type: command\n  monitoring: { url: "http://other:8086", database: mine }\n  run: { argv: ["true"] }\n');
    const config = await loadConfig(ws.path('config'), kinds(), { cwd: ws.dir });
    expect(config.problems).toEqual([]);
    expect(config.processes.map((p) => [p.name, p.monitoring?.url, p.monitoring?.database])).toEqual([
      ['job', 'http://metrics:8086', 'backups'],
      ['own', 'http://other:8086', 'mine'],
    ]);
    const notify = { webhook: { url: 'http://hooks/x' } };
    const defaults = { file: 'config/.defaults.yaml', values: { notify } };
    const lacking: Record<string, unknown> = { type: 'command' };
    expect(applyDefaults(lacking, defaults)).toEqual(['notify']);
    expect(lacking.notify).toEqual(notify);
    expect(lacking.notify).not.toBe(notify);
    const having: Record<string, unknown> = { notify: { slack: {} } };
    expect(applyDefaults(having, defaults)).toEqual([]);
    expect(DEFAULT_KEYS).toEqual(['monitoring', 'logging', 'notify', 'timeout']);
  });
});
