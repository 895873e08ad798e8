import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { runCli, Workspace, cliStartMs } from '../helpers/cli.js';
import { freePort } from '../helpers/influxd.js';
import { LokiPushServer } from '../helpers/loki-push.js';

let ws: Workspace;
let loki: LokiPushServer;
beforeEach(async () => {
  ws = new Workspace();
  loki = await LokiPushServer.start();
});
afterEach(async () => {
  ws.remove();
  await loki.stop();
});

const SECRET = 'loki-s3cret-4471';

async function run(files: string) {
  ws.write('config/jobs.yaml', files);
  const started = Date.now();
  const { code, stdout, stderr } = await runCli(['--json'], { cwd: ws.dir, env: { DB_PASSWORD: SECRET } });
  return { code, summary: JSON.parse(stdout) as RunSummary, stderr, ms: Date.now() - started };
}

describe('logging.loki: the log lines of a process pushed to Loki', () => {
  it('sends every line of the processes that ask, labelled job, host, run, process, type and level, in order, secrets masked', async () => {
    const { code, summary } = await run(
      `.loki: &loki { url: "${loki.url}", labels: { site: caracas } }
talky:
  type: command
  logging: { loki: *loki }
  run: { shell: 'for i in 1 2 3; do echo "line $i"; done; echo "password is $P" >&2', env: { P: "\${DB_PASSWORD}" } }
quiet:
  type: command
  run: { shell: 'echo "not for loki"' }
`,
    );
    expect(code).toBe(0);
    const lines = loki.lines;
    expect(lines.length).toBeGreaterThan(0);
    expect(new Set(lines.map((l) => l.labels.process))).toEqual(new Set(['talky']));
    for (const l of lines) {
      expect(l.labels).toMatchObject({ job: 'sysadmintoolkit', run: summary.runId, process: 'talky', type: 'command', site: 'caracas' });
      expect(l.labels.host).toBeTruthy();
      expect(['debug', 'info', 'warn', 'error']).toContain(l.labels.level);
    }
    const text = lines.map((l) => l.line);
    expect(text[0]).toBe('Started.');
    expect(text.filter((t) => t.startsWith('line '))).toEqual(['line 1 stream=stdout', 'line 2 stream=stdout', 'line 3 stream=stdout']);
    expect(text.at(-1)).toMatch(/^Finished: success in/);
    expect(text.some((t) => t.includes('password is ***'))).toBe(true);
    expect(loki.bodies.join('\n')).not.toContain(SECRET);
    expect(lines.find((l) => l.line.startsWith('password is'))!.line).toBe('password is *** stream=stderr');
    // Timestamps strictly increase within the stream: Loki keeps them in this order.
    const ns = lines.filter((l) => l.labels.level === 'info').map((l) => l.ns);
    expect(ns).toEqual([...ns].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(ns).size).toBe(ns.length);
  });

  it('never fails the backup: a Loki that is down is reported once, without delaying the exit', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const { code, summary, stderr, ms } = await run(`job:\n  type: command\n  logging: { loki: { url: "${down}" } }\n  run: { shell: 'echo hello' }\n`);
    expect(code).toBe(0);
    expect(summary.processes[0]!.status).toBe('success');
    expect(stderr.match(/did not take the log lines/g)).toHaveLength(1);
    expect(stderr).toMatch(new RegExp(`Loki at ${down} did not take the log lines \\(.*ECONNREFUSED.*\\).*The processes go on\\.`));
    expect(stderr).toMatch(/Loki at http:\/\/127\.0\.0\.1:\d+: \d+ log line\(s\) were not sent \(\d+ still held at exit, 0 dropped before\)/);
    expect(ms).toBeLessThan(10_000 + 2 * (await cliStartMs()));
  });

  it('counts every line it could not send: held at exit, dropped over its bound, refused by Loki, or in a request Loki never answers', async () => {
    loki.answerWith = 503;
    const many = await run(`job:\n  type: command\n  logging: { loki: { url: "${loki.url}" } }\n  run: { shell: 'seq 1 30000' }\n`);
    expect(many.code).toBe(0);
    const m = /(\d+) log line\(s\) were not sent \((\d+) still held at exit, (\d+) dropped before\)/.exec(many.stderr)!;
    expect(Number(m[2])).toBeLessThanOrEqual(10_000);
    expect(Number(m[1])).toBe(Number(m[2]) + Number(m[3]));
    // Every line the process logged (the JSON-lines log has them all) is either sent or counted here.
    const logged = ws.read('data/logs/sysadmintoolkit.jsonl').trim().split('\n').filter((l) => JSON.parse(l).process === 'job').length;
    expect(Number(m[1])).toBe(logged);
    expect(logged).toBeGreaterThan(10_000);
    expect(loki.requests).toBeLessThan(20); // spaced out while Loki is away, not one request per line

    loki.answerWith = 400;
    const refused = await run(`job:\n  type: command\n  logging: { loki: { url: "${loki.url}" } }\n  run: { shell: 'echo hello' }\n`);
    expect(refused.code).toBe(0);
    expect(refused.stderr).toMatch(/refused \d+ log line\(s\) \(HTTP 400: entry too far behind\); they are dropped/);

    loki.answerWith = 'hang';
    const silent = await run(`job:\n  type: command\n  logging: { loki: { url: "${loki.url}" } }\n  run: { shell: 'echo hello' }\n`);
    expect(silent.code).toBe(0);
    expect(silent.stderr).toMatch(/\d+ log line\(s\) were not sent \([1-9]\d* still held at exit/);
    expect(silent.ms).toBeLessThan(15_000 + 2 * (await cliStartMs()));
  });

  it('holds the lines while Loki is not ready and sends them when it answers', async () => {
    loki.failFirst = 1;
    const { code, stderr } = await run(`job:\n  type: command\n  logging: { loki: { url: "${loki.url}" } }\n  run: { shell: 'echo one; sleep 2.5; echo two' }\n`);
    expect(code).toBe(0);
    expect(stderr).toMatch(/did not take the log lines \(HTTP 503: Ingester not ready\)/);
    expect(stderr).toMatch(/answers again/);
    const text = loki.lines.map((l) => l.line);
    expect(text[0]).toBe('Started.');
    expect(text).toContain('one stream=stdout');
    expect(text).toContain('two stream=stdout');
    expect(text.at(-1)).toMatch(/^Finished: success/);
  });

  it('takes a user and a password holding # / @ space + from the URL, signs in with them, and never prints them', async () => {
    const password = 'Odd/Pw@ x+y#1';
    const url = loki.url.replace('http://', 'http://pusher:${LOKI_PASSWORD}@');
    ws.write('config/jobs.yaml', `job:\n  type: command\n  logging: { loki: { url: "${url}" } }\n  run: { shell: 'echo hello' }\n`);
    const { code, stdout, stderr } = await runCli(['--json'], { cwd: ws.dir, env: { LOKI_PASSWORD: password } });
    expect(stderr).not.toMatch(/TypeError|^\s+at /m);
    expect(code).toBe(0);
    expect(loki.lines.map((l) => l.line)).toContain('hello stream=stdout');
    expect(new Set(loki.authorizations)).toEqual(new Set([`Basic ${Buffer.from(`pusher:${password}`).toString('base64')}`]));
    const everything = [stdout, stderr, ws.readAll('data'), ...loki.bodies].join('\n');
    for (const form of [password, encodeURIComponent(password), 'Odd']) expect(everything).not.toContain(form);
  });
});
