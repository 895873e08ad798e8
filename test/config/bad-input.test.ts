import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { formatProblem } from '../../src/config/problem.js';
import { kinds } from '../../src/pipelines/registry.js';
import { Workspace } from '../helpers/cli.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

async function problems(env: Record<string, string> = {}, dir = 'config'): Promise<string[]> {
  const config = await loadConfig(ws.path(dir), kinds(), { env, cwd: ws.dir });
  expect(config.processes).toEqual([]);
  return config.problems.map(formatProblem);
}

const ok = (name = 'job') => `${name}:\n  type: command\n  run: { argv: ["true"] }\n`;

describe('a configuration with bad input is rejected, one line per problem naming file:line:col', () => {
  it('reports malformed YAML where it stands', async () => {
    ws.write('config/a.yaml', 'job:\n  type: command\n  run: { argv: ["true" }\n');
    const lines = await problems();
    expect(lines[0]).toBe('config/a.yaml:3:24: Flow sequence in block collection must be sufficiently indented and end with a ]');
    expect(lines.every((l) => l.startsWith('config/a.yaml:3:'))).toBe(true);
  });

  it('reports an unclosed quote', async () => {
    ws.write('config/a.yaml', 'job:\n  type: "command\n');
    expect(await problems()).toEqual([expect.stringMatching(/^config\/a\.yaml:\d+:\d+: Missing closing "quote/)]);
  });

  it('reports an "after" that names no process, with a suggestion, and one that makes a cycle', async () => {
    ws.write('config/a.yaml', `${ok('collect')}summary:\n  type: command\n  after: [colect]\n  run: { argv: ["true"] }\n`);
    ws.write('config/b.yaml', `a:\n  type: command\n  after: [b]\n  run: { argv: ["true"] }\nb:\n  type: command\n  after: [a]\n  run: { argv: ["true"] }\n`);
    expect(await problems()).toEqual([
      'config/a.yaml:6:11: process "summary": "after" names "colect", which is not a process; did you mean "collect"?',
      'config/b.yaml:3:10: process "a": "after" makes a cycle: a → b → a',
    ]);
  });

  it('reports a schedule in a zone that does not exist, and a cron expression that is not one', async () => {
    ws.write('config/a.yaml', `${ok('one').replace('  run:', '  schedule: { cron: "0 4 * * *", timezone: "Mars/Olympus" }\n  run:')}${ok('two').replace('  run:', '  schedule: "61 4 * * *"\n  run:')}`);
    const lines = await problems();
    expect(lines[0]).toBe('config/a.yaml:3:44: process "one": expected "timezone" to be an IANA time zone such as "America/Caracas", got "Mars/Olympus"');
    expect(lines[1]).toMatch(/^config\/a\.yaml:7:13: process "two": expected "schedule" to be a cron expression such as "0 4 \* \* \*" \(seconds optional\), got "61 4 \* \* \*"/);
  });

  it('reports a tab used for indentation', async () => {
    ws.write('config/a.yaml', 'job:\n\ttype: command\n');
    expect(await problems()).toEqual(['config/a.yaml:2:1: Tabs are not allowed as indentation']);
  });

  it('reports a duplicate key with the line of the second one', async () => {
    ws.write('config/a.yaml', 'job:\n  type: command\n  type: command\n  run: { argv: ["true"] }\n');
    expect(await problems()).toEqual(['config/a.yaml:3:3: Map keys must be unique (duplicate key)']);
  });

  it('reports an unknown key, the process, and the key it probably meant', async () => {
    ws.write('config/a.yaml', 'job:\n  type: command\n  run: { argv: ["true"], timout: 5 }\n');
    expect(await problems()).toEqual([
      'config/a.yaml:3:26: process "job": unknown key "timout" (did you mean "timeout"?); expected one of: argv, shell, cwd, env, inherit_env, timeout',
    ]);
  });

  it('reports a wrong type with the bad value', async () => {
    ws.write('config/a.yaml', 'job:\n  type: command\n  timeout: ten\n  enabled: "yes"\n  run: { argv: ["true"] }\n');
    expect(await problems()).toEqual([
      'config/a.yaml:3:12: process "job": expected "timeout" to be a duration such as 30, "30s", "5m" or "1h", got "ten"',
      'config/a.yaml:4:12: process "job": expected "enabled" to be true or false, got "yes"',
    ]);
  });

  it('reports a value out of range', async () => {
    ws.write('config/a.yaml', 'job:\n  type: command\n  timeout: 0\n  run: { argv: [] }\n');
    expect(await problems()).toEqual([
      'config/a.yaml:3:12: process "job": expected "timeout" to be greater than 0, got 0',
      'config/a.yaml:4:16: process "job": expected "argv" to have at least 1 item, got a list of 0',
    ]);
  });

  it('reports an unknown type and lists the known ones', async () => {
    ws.write('config/a.yaml', 'job:\n  type: comand\n  run: { argv: ["true"] }\n');
    expect(await problems()).toEqual(['config/a.yaml:2:9: process "job": unknown type "comand"; expected one of: influxdb-copy, scan, logs, adatrap, command']);
  });

  it('reports a missing required key at the process name', async () => {
    ws.write('config/a.yaml', 'job:\n  type: command\n');
    expect(await problems()).toEqual(['config/a.yaml:1:1: process "job": missing required key "run"']);
  });

  it('reports a step with both argv and shell in words, not in schema jargon', async () => {
    ws.write('config/a.yaml', 'job:\n  type: command\n  run: { argv: ["true"], shell: "true" }\n');
    expect(await problems()).toEqual([
      'config/a.yaml:3:8: process "job": expected "run" to be a step with either "argv" (a program and its arguments, run without a shell) or "shell" (a command line for /bin/sh), got a mapping',
    ]);
  });

  it('reports a process name defined in two files, naming both', async () => {
    ws.write('config/a.yaml', ok());
    ws.write('config/sub/b.yml', `other:\n  type: command\n  run: { argv: ["true"] }\n${ok()}`);
    expect(await problems()).toEqual(['config/sub/b.yml:4:1: process "job": duplicate process name; it is also defined in config/a.yaml']);
  });

  it('reports an unset variable, its name and where it is used', async () => {
    ws.write('config/a.yaml', 'job:\n  type: command\n  run: { argv: [echo, "${NOT_SET_ANYWHERE}"] }\n');
    expect(await problems()).toEqual([
      'config/a.yaml:3:23: process "job": variable NOT_SET_ANYWHERE is not set (export it, or write ${NOT_SET_ANYWHERE:-default})',
    ]);
  });

  it('reports a malformed variable reference', async () => {
    ws.write('config/a.yaml', 'job:\n  type: command\n  run: { argv: [echo, "${1BAD}"] }\n');
    expect(await problems()).toEqual([expect.stringContaining('config/a.yaml:3:23: process "job": expected a variable reference like ${NAME}')]);
  });

  it('reports an empty file', async () => {
    ws.write('config/a.yaml', '# nothing here yet\n');
    expect(await problems()).toEqual(['config/a.yaml: file is empty: expected a mapping of process names to process definitions']);
  });

  it('reports a file that is not a mapping', async () => {
    ws.write('config/a.yaml', '- job\n');
    expect(await problems()).toEqual(['config/a.yaml:1:1: expected a mapping of process names to process definitions at the top of the file']);
  });

  it('reports an empty config folder', async () => {
    ws.write('config/README.txt', 'no yaml here');
    expect(await problems()).toEqual([`${'config'}: no process files (*.yaml, *.yml) found in the config folder`]);
  });

  it('reports a missing config folder', async () => {
    expect(await problems({}, 'nowhere')).toEqual(['nowhere: config folder does not exist']);
  });

  it('reports a process name with characters that do not belong in one', async () => {
    ws.write('config/a.yaml', '"my job":\n  type: command\n  run: { argv: ["true"] }\n');
    expect(await problems()).toEqual([expect.stringMatching(/^config\/a\.yaml:1:1: expected a process name of letters, digits/)]);
  });

  it('reports a bad cron schedule and a program that is not installed', async () => {
    ws.write('config/a.yaml', 'job:\n  type: command\n  schedule: "61 * * * *"\n  run: { argv: [no-such-program-here] }\n');
    expect(await problems()).toEqual([
      'config/a.yaml:3:13: process "job": expected "schedule" to be a cron expression such as "0 4 * * *" (seconds optional), got "61 * * * *": minute 61 is out of range 0–59',
      'config/a.yaml:4:17: process "job": program "no-such-program-here" was not found on PATH',
    ]);
  });

  it('reports every problem of every file in one pass', async () => {
    ws.write('config/a.yaml', 'job:\n\ttype: command\n');
    ws.write('config/b.yaml', 'other:\n  type: command\n  run: { argv: ["true"], bogus: 1 }\n');
    ws.write('config/c.yaml', 'third:\n  type: command\n  run: { argv: ["${UNSET_VAR}"] }\n');
    const lines = await problems();
    expect(lines.map((l) => l.split(':')[0])).toEqual(['config/a.yaml', 'config/b.yaml', 'config/c.yaml']);
  });

  it('never shows a secret interpolated where a secret is not expected', async () => {
    ws.write('config/a.yaml', 'job:\n  type: command\n  timeout: "${DB_PASSWORD}"\n  run: { argv: ["true"] }\n');
    const lines = await problems({ DB_PASSWORD: 'Sup3rS3cretValue' });
    expect(lines).toEqual(['config/a.yaml:3:12: process "job": expected "timeout" to be a duration such as 30, "30s", "5m" or "1h", got "***"']);
  });

  it('reports an alias to no anchor, and an alias bomb, instead of crashing', async () => {
    ws.write('config/a.yaml', 'job: *nothing\n');
    expect(await problems()).toEqual(['config/a.yaml:1:6: process "job": cannot resolve the YAML: alias *nothing names no anchor above it (an anchor is written &nothing, before its aliases)']);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefghi'[i]}`).join(', ')}]`), 'job:\n  type: command\n  run: { argv: *i }'];
    ws.write('config/a.yaml', `.t:\n  ${bomb.slice(0, -1).join('\n  ')}\n${bomb.at(-1)}\n`);
    expect((await problems())[0]).toMatch(/^config\/a\.yaml:\d+:1: process "job": cannot resolve the YAML: /);
  });

  it('reports several YAML documents in one file', async () => {
    ws.write('config/a.yaml', 'a: 1\n---\nb: 2\n');
    expect(await problems()).toEqual([expect.stringContaining('expected one YAML document, found several')]);
  });

  it('never shows the value of a secret in an error', async () => {
    ws.write('config/a.yaml', 'job:\n  type: command\n  run: { argv: ["true"], env: { DB_PASSWORD: [hunter2-secret] } }\n');
    const lines = await problems();
    expect(lines).toEqual(['config/a.yaml:3:46: process "job": expected "DB_PASSWORD" to be a string or a number or true or false, got a value that is not shown (secret)']);
    expect(lines.join('\n')).not.toContain('hunter2');
  });
});
