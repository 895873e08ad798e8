import { createHmac } from 'node:crypto';
import { unlinkSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { EVENT_MS, runCli, startCli, waitFor, Workspace } from '../helpers/cli.js';
import { HttpReceiver } from '../helpers/http-receiver.js';
import { freePort } from '../helpers/influxd.js';

let receiver: HttpReceiver;
let ws: Workspace;
beforeAll(async () => void (receiver = await HttpReceiver.start()));
afterAll(async () => receiver?.stop());
beforeEach(() => {
  ws = new Workspace();
  receiver.clear();
  receiver.answer(200);
});
afterEach(() => ws.remove());

const HOOK_SECRET = 'hmac-key-5521-do-not-print';
const SLACK_TOKEN = 'XoxSlackToken8841';
const TEAMS_TOKEN = 'TeamsSig7730Token';

// A process that fails until the file `ok` exists in the workspace: one switch, a run per state.
const job = (notify: string) => `job:
  type: command
  run: { shell: "test -f ok" }
  notify:
${notify}`;
const healthy = (yes: boolean) => (yes ? writeFileSync(ws.path('ok'), '') : unlinkSync(ws.path('ok')));

async function run(env: NodeJS.ProcessEnv = {}, args: string[] = ['--json']) {
  const r = await runCli(args, { cwd: ws.dir, env: { HOOK_SECRET, ...env } });
  return { ...r, summary: args.includes('--json') ? (JSON.parse(r.stdout) as RunSummary) : undefined };
}

// The receiver's check, as docs/notify.md gives it.
function verifies(headers: Record<string, string | string[] | undefined>, body: string, secret: string): boolean {
  const timestamp = String(headers['x-sysadmintoolkit-timestamp']);
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
  return headers['x-sysadmintoolkit-signature'] === expected && Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
}

describe('notify: webhook alerts', () => {
  it('alerts once when a process starts failing, not again while it fails, and once when it recovers, each signed', async () => {
    ws.write('config/jobs.yaml', job(`    - { type: webhook, url: "${receiver.url}/hook", secret: "\${HOOK_SECRET}" }\n`));

    const first = await run();
    expect(first.code).toBe(1);
    expect(first.summary!.notifications).toEqual({ sent: 1, failed: 0 });
    const [failure] = receiver.at('/hook');
    expect(receiver.received).toHaveLength(1);
    expect(failure!.method).toBe('POST');
    expect(failure!.headers['content-type']).toBe('application/json');
    expect(verifies(failure!.headers, failure!.body, HOOK_SECRET)).toBe(true);
    expect(verifies(failure!.headers, failure!.body, 'another secret')).toBe(false);
    expect(failure!.json).toMatchObject({
      version: 1,
      event: 'failure',
      process: { name: 'job', type: 'command', status: 'failed', error: { code: 'E_COMMAND' } },
      run: { runId: first.summary!.runId, status: 'failed' },
    });
    expect(failure!.body).not.toContain(HOOK_SECRET);

    const second = await run();
    expect(second.code).toBe(1);
    expect(receiver.received).toHaveLength(1);
    expect(second.summary!.notifications).toEqual({ sent: 0, failed: 0 });

    healthy(true);
    const third = await run({}, []);
    expect(third.code).toBe(0);
    expect(receiver.received).toHaveLength(2);
    const recovery = receiver.at('/hook')[1]!;
    expect(recovery.json).toMatchObject({ event: 'recovery', process: { name: 'job', status: 'success' } });
    expect(verifies(recovery.headers, recovery.body, HOOK_SECRET)).toBe(true);
    expect(third.stdout).toContain('Alerts: 1 sent.');

    // Healthy again and again: nothing to say (success is not in the default `on`).
    expect((await run()).summary!.notifications).toEqual({ sent: 0, failed: 0 });
    expect(receiver.received).toHaveLength(2);
    expect(`${first.stderr}${third.stderr}${ws.readAll()}`).not.toContain(HOOK_SECRET);
  });

  it('retries a receiver that answers 500, and sends the alert when it answers 200', async () => {
    receiver.answer(500, 200);
    ws.write('config/jobs.yaml', job(`    - { type: webhook, url: "${receiver.url}/flaky" }\n`));
    const { code, summary } = await run();
    expect(code).toBe(1);
    expect(summary!.notifications).toEqual({ sent: 1, failed: 0 });
    const tries = receiver.at('/flaky');
    expect(tries).toHaveLength(2);
    expect(tries[0]!.headers['x-sysadmintoolkit-delivery']).toBe(tries[1]!.headers['x-sysadmintoolkit-delivery']);
    expect(tries[1]!.json.event).toBe('failure');
  });

  it('keeps the status and exit code of the run when the receiver is down, counts the alert as failed, and alerts again after the next run', async () => {
    const down = `http://127.0.0.1:${await freePort()}/gone`;
    healthy(true);
    ws.write('config/jobs.yaml', job(`    - { type: webhook, url: "${down}", on: [success], timeout: 20s }\n`));
    const { code, summary, stderr } = await run();
    expect(code).toBe(0);
    expect(summary!.status).toBe('success');
    expect(summary!.processes[0]!.status).toBe('success');
    expect(summary!.notifications).toEqual({ sent: 0, failed: 1 });
    expect(stderr).toMatch(/Notify: could not send the success alert to webhook \(127\.0\.0\.1:\d+\): connection refused \(ECONNREFUSED\)/);

    // The receiver is back (the same notifier, now reachable): the alert that failed is sent.
    ws.write('config/jobs.yaml', job(`    - { type: webhook, url: "${receiver.url}/back", on: [success] }\n`));
    const { summary: next } = await run();
    expect(next!.notifications).toEqual({ sent: 1, failed: 0 });
    expect(receiver.at('/back')[0]!.json.event).toBe('success');
  });
});

describe('notify: an interrupted run', () => {
  it('alerts about the processes that finished before SIGINT, and not about those it interrupted', async () => {
    const hook = `  notify: [{ type: webhook, url: "${receiver.url}/hook" }]\n`;
    ws.write(
      'config/jobs.yaml',
      `broken:\n  type: command\n  run: { argv: ["false"] }\n${hook}long:\n  type: command\n  run: { argv: [sleep, "31.5"] }\n${hook}`,
    );
    const run = startCli(['--json', '-p', '2'], { cwd: ws.dir });
    let stderr = '';
    run.child.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => /broken \(command\): Finished: failed/.test(stderr) && /Running "sleep 31\.5"/.test(stderr), EVENT_MS, 'broken to fail while long runs');
    run.child.kill('SIGINT');
    const { code, stdout } = await run.done;
    expect(code).toBe(130);
    const summary = JSON.parse(stdout) as RunSummary;
    expect(summary.processes.map((p) => [p.name, p.status])).toEqual([
      ['broken', 'failed'],
      ['long', 'interrupted'],
    ]);
    expect(summary.notifications).toEqual({ sent: 1, failed: 0 });
    expect(receiver.at('/hook').map((r) => [(r.json.process as { name: string }).name, r.json.event])).toEqual([['broken', 'failure']]);
  });
});

describe('notify: Slack and Teams', () => {
  it('posts Slack text and blocks, and a Teams Adaptive Card, and never shows their webhook URLs', async () => {
    ws.write(
      'config/jobs.yaml',
      job(`    - { type: slack, webhook: "\${SLACK_WEBHOOK_URL}" }
    - { type: teams, webhook: "\${TEAMS_URL}" }
`),
    );
    const env = { SLACK_WEBHOOK_URL: `${receiver.url}/services/T000/B000/${SLACK_TOKEN}`, TEAMS_URL: `${receiver.url}/workflows/abc/triggers/manual/paths/invoke?sig=${TEAMS_TOKEN}` };
    const { code, summary, stderr, stdout } = await run(env);
    expect(code).toBe(1);
    expect(summary!.notifications).toEqual({ sent: 2, failed: 0 });

    const slack = receiver.at(`/services/T000/B000/${SLACK_TOKEN}`)[0]!.json as { text: string; blocks: Array<Record<string, any>> };
    expect(slack.text).toContain('job failed on');
    expect(slack.text).toContain('E_COMMAND');
    expect(slack.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
    expect(slack.blocks[1]!.type).toBe('section');
    expect(slack.blocks[1]!.fields).toContainEqual({ type: 'mrkdwn', text: '*Process*\njob' });
    expect(slack.blocks.some((b) => b.type === 'section' && String(b.text?.text).includes('E_COMMAND'))).toBe(true);

    const teams = receiver.received.find((r) => r.path.startsWith('/workflows/'))!;
    const card = JSON.parse(teams.body) as { type: string; attachments: Array<{ contentType: string; content: Record<string, any> }> };
    expect(card.type).toBe('message');
    expect(card.attachments).toHaveLength(1);
    expect(card.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const content = card.attachments[0]!.content;
    expect(content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(content.body[0]).toMatchObject({ type: 'TextBlock', text: expect.stringContaining('job failed on') });
    expect(content.body[1].type).toBe('FactSet');
    expect(content.body[1].facts).toContainEqual({ title: 'Status', value: 'FAILED' });

    for (const token of [SLACK_TOKEN, TEAMS_TOKEN]) expect(`${stdout}${stderr}${ws.readAll()}`).not.toContain(token);
  });

  it('names neither URL when a chat webhook refuses the alert', async () => {
    receiver.answer(404);
    ws.write('config/jobs.yaml', job(`    - { type: slack, webhook: "\${SLACK_WEBHOOK_URL}" }\n`));
    const { summary, stderr } = await run({ SLACK_WEBHOOK_URL: `${receiver.url}/services/T000/B000/${SLACK_TOKEN}` });
    expect(summary!.notifications).toEqual({ sent: 0, failed: 1 });
    // A 404 is refused for good: no retry.
    expect(receiver.received).toHaveLength(1);
    expect(stderr).toMatch(/could not send the failure alert to slack \(127\.0\.0\.1:\d+\): the receiver answered HTTP 404/);
    expect(`${stderr}${ws.readAll()}`).not.toContain(SLACK_TOKEN);
  });
});

describe('notify: --validate-only', () => {
  it('refuses a bad URL, a mail without recipients, an unset variable and an unknown notifier key, never showing a webhook URL', async () => {
    ws.write(
      'config/jobs.yaml',
      `bad_url:
  type: command
  run: { argv: ["true"] }
  notify: [{ type: webhook, url: "ftp://alerts.example.com/hook" }]
no_to:
  type: command
  run: { argv: ["true"] }
  notify: [{ type: email, host: smtp.example.com, from: ops@example.com }]
unset_var:
  type: command
  run: { argv: ["true"] }
  notify: [{ type: slack, webhook: "\${NOT_SET_WEBHOOK}" }]
bad_chat_url:
  type: command
  run: { argv: ["true"] }
  notify: [{ type: teams, webhook: "not a url ${TEAMS_TOKEN}" }]
typo:
  type: command
  run: { argv: ["true"] }
  notify: [{ type: webhook, url: "https://alerts.example.com/hook", on: [failure, sometimes], secrt: x }]
`,
    );
    const { code, stdout, stderr } = await runCli(['--validate-only'], { cwd: ws.dir });
    const out = `${stdout}${stderr}`;
    expect(code).toBe(2);
    expect(out).toMatch(/jobs\.yaml:4:\d+: process "bad_url": expected "url" to be an http:\/\/ or https:\/\/ URL/);
    expect(out).toMatch(/jobs\.yaml:8:\d+: process "no_to": missing required key "to" in "notify\[0\]"/);
    expect(out).toMatch(/jobs\.yaml:12:\d+: process "unset_var": .*NOT_SET_WEBHOOK/);
    expect(out).toMatch(/process "bad_chat_url": expected "webhook" to be the webhook URL .* got a value that is not shown \(secret\)/);
    expect(out).toMatch(/process "typo": unknown key "secrt" \(did you mean "secret"\?\)/);
    expect(out).toMatch(/process "typo": expected "on\[1\]" to be one of failure, recovery, success, got "sometimes"/);
    expect(out).not.toContain(TEAMS_TOKEN);
  });
});

describe('notify: from config/.defaults.yaml', () => {
  it('alerts for every process that sets no notify of its own, and not for one that sets its own', async () => {
    ws.write('config/.defaults.yaml', `notify:\n  - { type: webhook, url: "${receiver.url}/shared", secret: "\${HOOK_SECRET}" }\n`);
    ws.write('config/jobs.yaml', `${job(`    - { type: webhook, url: "${receiver.url}/own" }\n`)}other:\n  type: command\n  run: { shell: "exit 3" }\n`);
    const r = await run();
    expect(r.code).toBe(1);
    expect(r.summary!.notifications).toEqual({ sent: 2, failed: 0 });
    const shared = receiver.at('/shared');
    expect(shared.map((m) => (m.json as { process: { name: string } }).process.name)).toEqual(['other']);
    expect(verifies(shared[0]!.headers, shared[0]!.body, HOOK_SECRET)).toBe(true);
    expect(receiver.at('/own').map((m) => (m.json as { process: { name: string } }).process.name)).toEqual(['job']);
  });
});
