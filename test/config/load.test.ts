import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverProcessFiles } from '../../src/config/discover.js';
import { loadConfig } from '../../src/config/index.js';
import { substitute } from '../../src/config/interpolate.js';
import { kinds } from '../../src/pipelines/registry.js';
import { Workspace } from '../helpers/cli.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

const load = (env: Record<string, string> = {}) => loadConfig(ws.path('config'), kinds(), { env, cwd: ws.dir });

describe('discovering process files', () => {
  it('finds *.yaml and *.yml recursively, in sorted order, and passes over hidden folders and other files', async () => {
    for (const f of ['config/b.yaml', 'config/a/z.yml', 'config/a.yaml', 'config/.git/x.yaml', 'config/notes.txt', 'config/c.YAML']) ws.write(f, 'x: 1\n');
    const { files } = await discoverProcessFiles(ws.path('config'));
    expect(files.map((f) => f.slice(ws.path('config').length + 1))).toEqual(['a.yaml', 'a/z.yml', 'b.yaml', 'c.YAML']);
  });

  it('never loads backup_config.yaml.template', async () => {
    ws.write('config/backup_config.yaml.template', 'x: 1\n');
    ws.write('config/a.yaml', 'x: 1\n');
    const { files } = await discoverProcessFiles(ws.path('config'));
    expect(files).toHaveLength(1);
  });
});

describe('interpolating environment variables', () => {
  it('substitutes ${VAR}, ${VAR:-default} and ${VAR-default}, and $$ stands for $', () => {
    const env = { SET: 'value', EMPTY: '' };
    expect(substitute('a ${SET} b', env).value).toBe('a value b');
    expect(substitute('${UNSET:-fallback}', env).value).toBe('fallback');
    expect(substitute('${EMPTY:-fallback}', env).value).toBe('fallback');
    expect(substitute('${EMPTY-fallback}', env).value).toBe('');
    expect(substitute('${UNSET-fallback}', env).value).toBe('fallback');
    expect(substitute('cost $$5 ${SET}', env).value).toBe('cost $5 value');
    expect(substitute('${UNSET}', env).missing).toEqual(['UNSET']);
  });

  it('types an unquoted ${VAR} like a literal value, and keeps a quoted one a string', async () => {
    ws.write('config/a.yaml', 'job:\n  type: command\n  timeout: ${T:-300}\n  enabled: ${ON}\n  run: { argv: [echo, "${T:-300}"] }\n');
    const { processes, problems } = await load({ ON: 'false' });
    expect(problems).toEqual([]);
    expect(processes[0]).toMatchObject({ timeout: 300, enabled: false });
    expect((processes[0]!.config.run as { argv: unknown[] }).argv).toEqual(['echo', '300']);
  });

  it('treats a value taken from a secret-looking variable as a secret wherever it is used', async () => {
    ws.write('config/a.yaml', 'job:\n  type: command\n  run: { argv: [mysqldump, "--password=${DB_PASS}"] }\n');
    ws.write('bin/mysqldump', '');
    const config = await load({ DB_PASS: 'pa55word' });
    expect(config.secrets).toEqual(new Set(['pa55word']));
  });
});

describe('a valid configuration', () => {
  it('fills in every default from the schema', async () => {
    ws.write('config/a.yaml', 'job:\n  type: command\n  run: { argv: ["true"] }\n');
    const { processes, problems } = await load();
    expect(problems).toEqual([]);
    expect(processes).toEqual([
      { name: 'job', file: 'config/a.yaml', type: 'command', enabled: true, config: { type: 'command', enabled: true, run: { argv: ['true'], inherit_env: true } } },
    ]);
  });

  it('lets processes share settings through a template and a YAML merge', async () => {
    ws.write(
      'config/a.yaml',
      '.defaults: &defaults\n  type: command\n  timeout: 60\n  logging: { level: DEBUG }\n\none:\n  <<: *defaults\n  run: { argv: ["true"] }\ntwo:\n  <<: *defaults\n  timeout: 5\n  run: { argv: ["true"] }\n',
    );
    const { processes, problems } = await load();
    expect(problems).toEqual([]);
    expect(processes.map((p) => [p.name, p.timeout, p.logging?.level])).toEqual([
      ['one', 60, 'DEBUG'],
      ['two', 5, 'DEBUG'],
    ]);
  });

  it('locates a problem inside a template-merged process at the process that has it', async () => {
    ws.write('config/a.yaml', '.defaults: &defaults\n  type: command\n  timeout: -1\n\none:\n  <<: *defaults\n  run: { argv: ["true"] }\n');
    const { problems } = await load();
    expect(problems).toEqual([{ file: 'config/a.yaml', line: 3, col: 12, process: 'one', message: 'expected "timeout" to be greater than 0, got -1' }]);
  });
});
