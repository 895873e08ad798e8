import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, Workspace } from '../helpers/cli.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

const PASSWORD = 'Tr0ub4dor&3-unique';
const URL_PASSWORD = 'urlpw-7f3a';
const ARGV_SECRET = 'argv-s3cret-91';

describe('secrets from a process file', () => {
  it('appear in no output, no log file, no report and not in the state store', async () => {
    // A script that leaks every way it can: stdout, stderr, a failure message, a URL with credentials.
    ws.write(
      'config/leaky.yaml',
      [
        'leaky:',
        '  type: command',
        '  logging: { file: logs/leaky.log }',
        '  run:',
        '    shell: echo "password is $DB_PASSWORD"; echo "connecting to http://admin:' + URL_PASSWORD + '@db:8086" >&2; echo "$1"; echo "failed with $DB_PASSWORD" >&2; exit 2',
        '    env: { DB_PASSWORD: "${DB_PASSWORD}" }',
        'numeric:',
        '  type: command',
        '  run: { shell: \'echo "bad password $PGPASSWORD" >&2; exit 1\', env: { PGPASSWORD: 84629173 } }',
        'long_line:',
        '  type: command',
        '  run: { argv: [sh, -c, "echo a long command line whose end holds the secret; exit 3", xxxxxxxxxxxxxxxx, "-p${DB_PASSWORD}"] }',
        'argv_secret:',
        '  type: command',
        '  logging: { file: logs/leaky.log }',
        '  run: { argv: [sh, -c, "echo token=$0; echo $0 >&2", "${API_TOKEN}"] }',
        '',
      ].join('\n'),
    );
    const env = { DB_PASSWORD: PASSWORD, API_TOKEN: ARGV_SECRET };
    const table = await runCli(['--report', 'data/reports/run.json'], { cwd: ws.dir, env });
    const json = await runCli(['--json', '--verbose'], { cwd: ws.dir, env });
    const history = await runCli(['history', '--json'], { cwd: ws.dir, env });
    expect(table.code).toBe(1);

    const everything = [table.stdout, table.stderr, json.stdout, json.stderr, history.stdout, ws.readAll('data'), ws.readAll('logs')].join('\n');
    for (const secret of [PASSWORD, URL_PASSWORD, ARGV_SECRET, '84629173', PASSWORD.slice(0, 8)]) expect(everything).not.toContain(secret);
    // …and the lines are still there, masked.
    expect(ws.read('logs/leaky.log')).toContain('password is ***');
    expect(ws.read('logs/leaky.log')).toContain('http://admin:***@db:8086');
    expect(ws.read('logs/leaky.log')).toContain('token=***');
    expect(table.stdout).toContain('exited with code 2: connecting to http://admin:***@db:8086 | failed with ***');
  });
});

describe('a secret printed encoded', () => {
  it('is masked URL-encoded, form-encoded and in base64, in the console, the JSON-lines log and logging.file', async () => {
    const secret = 'Odd/Pw@ x+y#1';
    // The forms a program prints a password in: a query string, a form body, a URL it logs, a header it dumps.
    const script = [
      'const p = process.env.DB_PASSWORD;',
      'console.log("query ?u=admin&p=" + encodeURIComponent(p));',
      'console.log("form " + new URLSearchParams({ pw: p }));',
      'const u = new URL("http://influx:8086"); u.username = "admin"; u.password = p; console.log("connecting to " + u.href);',
      'console.error("auth " + Buffer.from("admin:" + p).toString("base64") + " and " + Buffer.from(p).toString("base64"));',
      'console.error("lower " + encodeURIComponent(p).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()));',
    ].join(' ');
    ws.write('config/a.yaml', `encoded:
  type: command
  logging: { file: logs/encoded.log }
  run: { argv: [node, -e, ${JSON.stringify(script)}], env: { DB_PASSWORD: "\${DB_PASSWORD}" } }
`);
    const r = await runCli(['-v'], { cwd: ws.dir, env: { DB_PASSWORD: secret } });
    expect(r.code).toBe(0);
    const outputs = { console: r.stderr + r.stdout, jsonl: ws.read('data/logs/sysadmintoolkit.jsonl'), file: ws.read('logs/encoded.log') };
    const url = new URL('http://h');
    url.password = secret;
    const forms = [secret, encodeURIComponent(secret), new URLSearchParams({ p: secret }).toString().slice(2), url.password, Buffer.from(`admin:${secret}`).toString('base64'), Buffer.from(secret).toString('base64'), 'odd%2fpw%40%20x%2by%231'];
    for (const [where, text] of Object.entries(outputs)) {
      for (const form of forms) expect(text, `${where}: ${form}`).not.toContain(form);
      expect(text, where).toContain('query ?u=admin&p=***');
      expect(text, where).toContain('connecting to http://admin:***@influx:8086/');
    }
  });
});

describe('log lines', () => {
  it('carry the run, the process and the type in the JSON-lines log, and go to the process file of their own process only', async () => {
    ws.write('config/a.yaml', 'one:\n  type: command\n  logging: { file: logs/one.log }\n  run: { shell: "echo from-one" }\ntwo:\n  type: command\n  run: { shell: "echo from-two" }\n');
    const { code, stdout } = await runCli(['--json'], { cwd: ws.dir });
    expect(code).toBe(0);
    const { runId } = JSON.parse(stdout);
    const lines = ws.read('data/logs/sysadmintoolkit.jsonl').trim().split('\n').map((l) => JSON.parse(l));
    const fromProcesses = lines.filter((l) => l.process);
    expect(fromProcesses.length).toBeGreaterThanOrEqual(6);
    for (const line of fromProcesses) expect(line).toMatchObject({ runId, type: 'command', timestamp: expect.any(String), level: expect.any(String) });
    expect(lines).toContainEqual(expect.objectContaining({ process: 'one', message: 'from-one', stream: 'stdout' }));
    const own = ws.read('logs/one.log');
    expect(own).toMatch(new RegExp(`^\\S+Z INFO  \\[run ${runId.replace(/[.]/g, '\\.')}\\] one \\(command\\): from-one`, 'm'));
    expect(own).not.toContain('from-two');
  });

  it('respect a process log level, and --verbose shows debug', async () => {
    ws.write('config/a.yaml', 'quiet:\n  type: command\n  logging: { level: ERROR }\n  run: { shell: "echo chatter" }\n');
    const quiet = await runCli([], { cwd: ws.dir });
    expect(quiet.stderr).not.toContain('chatter');
    const verbose = await runCli(['-v'], { cwd: ws.dir });
    expect(verbose.stderr).toContain('quiet (command): stdout| chatter');
  });
});
