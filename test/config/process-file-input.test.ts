import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { parseProcessFile } from '../../src/config/load.js';
import { formatProblem } from '../../src/config/problem.js';
import { MAX_FILE_BYTES } from '../../src/config/read.js';
import { kinds } from '../../src/pipelines/registry.js';
import { Workspace } from '../helpers/cli.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

const load = (env: Record<string, string> = {}) => loadConfig(ws.path('config'), kinds(), { env, cwd: ws.dir });
const problems = async (env: Record<string, string> = {}) => (await load(env)).problems.map(formatProblem);
const job = (name: string, argv = '["true"]') => `${name}:\n  type: command\n  run: { argv: ${argv} }\n`;

describe('the bytes of a process file', () => {
  it('refuses a byte that is not UTF-8 where it stands, instead of changing it into U+FFFD', async () => {
    // "café" in Latin-1: é is the single byte 0xE9.
    ws.write('config/a.yaml', '');
    writeFileSync(ws.path('config/a.yaml'), Buffer.concat([Buffer.from('job:\n  type: command\n  run: { argv: [echo, "caf'), Buffer.from([0xe9]), Buffer.from('"] }\n')]));
    expect(await problems()).toEqual(['config/a.yaml:3:27: expected UTF-8 text, got the byte 0xE9 (is the file Latin-1 or Windows-1252? save it as UTF-8)']);
  });

  it('counts the column in characters, after UTF-8 text that is fine, and catches a truncated sequence at the end', async () => {
    ws.write('config/a.yaml', '');
    writeFileSync(ws.path('config/a.yaml'), Buffer.concat([Buffer.from('# ñandú\njob: "€'), Buffer.from([0xe2, 0x82])]));
    expect(await problems()).toEqual([expect.stringMatching(/^config\/a\.yaml:2:8: expected UTF-8 text, got the byte 0xE2 /)]);
  });

  it('keeps UTF-8 text as it is', async () => {
    ws.write('config/a.yaml', job('job', '[echo, "café ñandú €"]'));
    const { problems, processes } = await load();
    expect(problems).toEqual([]);
    expect((processes[0]!.config.run as { argv: string[] }).argv[1]).toBe('café ñandú €');
  });

  it(`refuses a file over ${MAX_FILE_BYTES / 1024 / 1024} MB at once, without reading it (a 200 MB file ran out of memory)`, async () => {
    ws.write('config/huge.yaml', job('job'));
    truncateSync(ws.path('config/huge.yaml'), 200 * 1024 * 1024); // sparse: no disk, no time
    const started = Date.now();
    expect(await problems()).toEqual(['config/huge.yaml: expected a process file of at most 4.0 MB, got 200.0 MB; split its processes into several files']);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses a file just over the cap with real content in it', async () => {
    const line = `# ${'x'.repeat(98)}\n`;
    ws.write('config/big.yaml', job('job') + line.repeat(Math.ceil(MAX_FILE_BYTES / line.length)));
    expect(await problems()).toEqual([expect.stringContaining('config/big.yaml: expected a process file of at most 4.0 MB, got 4.0 MB')]);
  });

  it('names a FIFO named *.yaml instead of waiting for ever for a writer', async () => {
    ws.write('config/a.yaml', job('job'));
    execFileSync('mkfifo', [ws.path('config/pipe.yaml')]);
    expect(await problems()).toEqual(['config/pipe.yaml: expected a regular file, got a special file (FIFO, socket or device)']);
  });

  it('names a folder where a file was expected, and a file it cannot open, with the reason (function level)', async () => {
    // Discovery walks a folder named *.yaml like any folder; the reader is what a race (file replaced by a folder) meets.
    mkdirSync(ws.path('dir.yaml'));
    expect((await parseProcessFile(ws.path('dir.yaml'), 'dir.yaml')).problems).toEqual([{ file: 'dir.yaml', message: 'expected a regular file, got a folder' }]);
    expect((await parseProcessFile(ws.path('gone.yaml'), 'gone.yaml')).problems).toEqual([{ file: 'gone.yaml', message: 'cannot read the file: it does not exist (a symlink that points nowhere?) (ENOENT)' }]);
  });
});

describe('symlinks in the config folder', () => {
  it('follows a symlinked file and a symlinked folder, under the names they have in the folder', async () => {
    ws.write('elsewhere/one.yaml', job('linked_file'));
    ws.write('shared/two.yaml', job('in_linked_folder'));
    ws.write('config/own.yaml', job('own'));
    symlinkSync(ws.path('elsewhere/one.yaml'), ws.path('config/link.yaml'));
    symlinkSync(ws.path('shared'), ws.path('config/shared'));
    const { problems, processes } = await load();
    expect(problems).toEqual([]);
    expect(processes.map((p) => [p.name, p.file])).toEqual([
      ['linked_file', 'config/link.yaml'],
      ['own', 'config/own.yaml'],
      ['in_linked_folder', 'config/shared/two.yaml'],
    ]);
  });

  it('names a folder that links back to a folder it is in, and a *.yaml link that points nowhere', async () => {
    ws.write('config/a.yaml', job('a'));
    symlinkSync('.', ws.path('config/sub-loop'));
    symlinkSync(ws.path('config/missing.yaml.target'), ws.path('config/dangling.yaml'));
    expect(await problems()).toEqual([
      'config/dangling.yaml: cannot follow the symlink: it does not exist (a symlink that points nowhere?) (ENOENT)',
      `config/sub-loop: symlink loop: this folder leads back to "${realpathSync(ws.path('config'))}", which holds it`,
    ]);
  });

  it('names a symlink that points to itself', async () => {
    ws.write('config/a.yaml', job('a'));
    symlinkSync('self.yaml', ws.path('config/self.yaml'));
    expect(await problems()).toEqual(['config/self.yaml: cannot follow the symlink: too many levels of symlinks (a symlink loop) (ELOOP)']);
  });
});

describe('nesting', () => {
  it('refuses mappings and lists nested more than 64 deep, naming the file, the place and the process', async () => {
    ws.write('config/a.yaml', `ok:\n  type: command\n  run: { argv: ["true"] }\ndeep:\n  type: command\n  run: { argv: [x, ${'['.repeat(100)}${']'.repeat(100)}] }\n`);
    expect(await problems()).toEqual(['config/a.yaml:6:80: process "deep": expected mappings and lists nested at most 64 levels deep, got more (an unclosed bracket, or a structure that is not configuration?)']);
  });

  it('says the same, with no stack overflow, where the YAML parser itself gives up', async () => {
    ws.write('config/a.yaml', `deep:\n  type: command\n  run: { argv: [x, ${'['.repeat(20000)}${']'.repeat(20000)}] }\n`);
    const lines = await problems();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^config\/a\.yaml:3:\d+: expected mappings and lists nested at most 64 levels deep, got more/);
  });
});

describe('variable defaults', () => {
  it('expand a default that holds references itself, and type an unquoted one as written', async () => {
    ws.write('config/a.yaml', 'job:\n  type: command\n  timeout: ${T:-${DEFAULT_T:-30}}\n  run: { argv: [echo, "${UNSET:-${B}}", "${UNSET:-a-${UNSET2:-${B}}-z}", "${B:-${NOT_NEEDED}}"] }\n');
    const { problems, processes } = await load({ B: 'bee' });
    expect(problems).toEqual([]);
    expect(processes[0]!.timeout).toBe(30);
    expect((processes[0]!.config.run as { argv: string[] }).argv).toEqual(['echo', 'bee', 'a-bee-z', 'bee']);
  });

  it('name an unset variable inside a default that is used, and refuse defaults nested more than 8 deep', async () => {
    const nine = `${'${A:-'.repeat(9)}x${'}'.repeat(9)}`;
    ws.write('config/a.yaml', `job:\n  type: command\n  run: { argv: [echo, "\${UNSET:-\${B}}", "${nine}"] }\n`);
    expect(await problems()).toEqual([
      'config/a.yaml:3:23: process "job": variable B is not set (export it, or write ${B:-default})',
      'config/a.yaml:3:41: process "job": expected variable defaults nested at most 8 deep (${A:-${B:-x}} is 2), got more',
    ]);
  });
});

describe('a large process file', () => {
  it('validates 4,000 processes in one file in time linear in their number (it took 77 s)', async () => {
    // Processes as they are written: a merged template, a URL with credentials, interpolated values.
    let text = '.defaults: &defaults\n  timeout: 3600\n  logging: { level: INFO }\n';
    for (let i = 0; i < 4000; i++) {
      text +=
        i % 2
          ? `copy_${i}:\n  <<: *defaults\n  source_server: { url: "http://reader:\${PASS}@src-${i}:8086", database: db${i} }\n  destination_server: { url: "http://dst:8086", user: w, password: "\${PASS}", database: db${i} }\n  backup_config:\n    timeout: \${T:-300}\n`
          : `cmd_${i}:\n  <<: *defaults\n  type: command\n  after: [${i > 1 ? `copy_${i - 1}` : ''}]\n  run: { argv: ["true", "--n=${i}"], env: { DB_PASSWORD: "\${PASS}" } }\n`;
    }
    ws.write('config/many.yaml', text);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const { problems, processes } = await load({ PASS: 'p#ss/w@rd' });
    const ms = performance.now() - started;
    const { user, system } = process.cpuUsage(cpu);
    expect(problems).toEqual([]);
    expect(processes).toHaveLength(4000);
    // About 1 s on a quiet machine. CPU time, which other work on a busy machine inflates far less than the clock,
    // with room to spare; a quadratic walk takes over a minute. The clock only has to stay sane.
    expect((user + system) / 1000).toBeLessThan(6000);
    expect(ms).toBeLessThan(30_000);
  });
});
