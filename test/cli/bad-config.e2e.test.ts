import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, Workspace } from '../helpers/cli.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

// Each bad input of issue 2, through the real CLI: exit 2, a file:line:col line, and nothing run.
const runs = 'ran:\n  type: command\n  run: { shell: "touch ran.txt" }\n';
const cases: Array<[string, Record<string, string>, string]> = [
  ['malformed YAML', { 'config/a.yaml': 'job:\n  type: [command\n' }, 'config/a.yaml:3:1: '],
  ['a tab', { 'config/a.yaml': 'job:\n\ttype: command\n' }, 'config/a.yaml:2:1: Tabs are not allowed as indentation'],
  ['a duplicate key', { 'config/a.yaml': 'job:\n  type: command\n  type: command\n' }, 'config/a.yaml:3:3: Map keys must be unique (duplicate key)'],
  ['an unknown key', { 'config/a.yaml': 'job:\n  type: command\n  run: { argv: ["true"] }\n  retries: 3\n' }, 'config/a.yaml:4:3: process "job": unknown key "retries"'],
  ['a wrong type', { 'config/a.yaml': 'job:\n  type: command\n  run: { argv: "true" }\n' }, 'config/a.yaml:3:16: process "job": expected "argv" to be a list, got "true"'],
  ['an unknown type', { 'config/a.yaml': 'job:\n  type: rsync\n' }, 'config/a.yaml:2:9: process "job": unknown type "rsync"; expected one of: influxdb-copy, scan, logs, adatrap, command'],
  ['a duplicate process name', { 'config/a.yaml': 'ran2:\n  type: command\n  run: { argv: ["true"] }\n', 'config/b.yaml': 'ran2:\n  type: command\n  run: { argv: ["true"] }\n' }, 'config/b.yaml:1:1: process "ran2": duplicate process name; it is also defined in config/a.yaml'],
  ['an unset variable', { 'config/a.yaml': 'job:\n  type: command\n  run: { argv: ["${SAT_UNSET_VARIABLE}"] }\n' }, 'config/a.yaml:3:17: process "job": variable SAT_UNSET_VARIABLE is not set'],
  ['an empty file', { 'config/a.yaml': '' }, 'config/a.yaml: file is empty'],
  ['an empty config folder', { 'config/notes.md': '# nothing' }, 'config: no process files (*.yaml, *.yml) found in the config folder'],
];

describe('main refuses a configuration with bad input', () => {
  it.each(cases)('%s: exit 2, the problem where it stands, nothing run', async (_what, files, line) => {
    for (const [path, text] of Object.entries(files)) ws.write(path, text);
    if (!Object.keys(files).some((f) => f.endsWith('notes.md'))) ws.write('config/zz-runs.yaml', runs);
    const { code, stderr, stdout } = await runCli([], { cwd: ws.dir });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(line);
    expect(stderr).toMatch(/Nothing was run: \d+ problem\(s\)/);
    expect(ws.exists('ran.txt')).toBe(false);
  });

  it('a missing config folder: exit 2', async () => {
    const { code, stderr } = await runCli(['--config', 'does/not/exist'], { cwd: ws.dir });
    expect(code).toBe(2);
    expect(stderr).toContain('does/not/exist: config folder does not exist');
  });
});
