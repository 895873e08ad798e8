import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { runCli, Workspace } from '../helpers/cli.js';
import { SmtpServer } from '../helpers/smtp-server.js';

const SMTP_PASSWORD = 'smtp-pass-3319-never-shown';
const DB_PASSWORD = 'db-pass-6610-never-shown';

let smtp: SmtpServer;
let ws: Workspace;
beforeAll(async () => void (smtp = await SmtpServer.start({ login: { user: 'alerts', password: SMTP_PASSWORD } })));
afterAll(async () => smtp?.stop());
beforeEach(() => {
  ws = new Workspace();
  smtp.clear();
});
afterEach(() => ws.remove());

const env = { SMTP_USER: 'alerts', SMTP_PASSWORD, DB_PASSWORD };

// Fails until the file `ok` exists, with the database password on its command line (so in its error message).
const config = (port: number, extra = '') => `nightly_dump:
  type: command
  run: { shell: "test -f ok || (echo 'cannot log in with \${DB_PASSWORD}' >&2; exit 3)" }
  notify:
    - type: email
      host: 127.0.0.1
      port: ${port}
      starttls: never
      user: \${SMTP_USER}
      password: \${SMTP_PASSWORD}
      from: "Backups <backups@example.com>"
      to: [ops@example.com, dba@example.com]
${extra}`;

async function run() {
  const r = await runCli(['--json'], { cwd: ws.dir, env });
  return { ...r, summary: JSON.parse(r.stdout) as RunSummary };
}

describe('notify: e-mail over SMTP', () => {
  it('mails a failure once, logged in, naming the process and its error, with no secret; then mails the recovery', async () => {
    ws.write('config/jobs.yaml', config(smtp.port));
    const first = await run();
    expect(first.code).toBe(1);
    expect(first.summary.notifications).toEqual({ sent: 1, failed: 0 });
    const [mail] = smtp.mails();
    expect(smtp.mails()).toHaveLength(1);
    expect(mail!.login).toBe('alerts');
    expect(mail!.rcpt_tos).toEqual(['ops@example.com', 'dba@example.com']);
    expect(mail!.to).toBe('ops@example.com, dba@example.com');
    expect(mail!.from).toBe('Backups <backups@example.com>');
    expect(mail!.subject).toMatch(/^\[SysAdminToolkit\] nightly_dump failed on \S+$/);
    expect(mail!.text).toContain('nightly_dump');
    expect(mail!.text).toMatch(/Status: +FAILED/);
    expect(mail!.text).toMatch(/Error: E_COMMAND: .*exited with code 3/);
    expect(mail!.text).toContain('***');
    for (const secret of [DB_PASSWORD, SMTP_PASSWORD]) expect(mail!.raw).not.toContain(secret);

    await run();
    expect(smtp.mails()).toHaveLength(1);

    writeFileSync(ws.path('ok'), '');
    const third = await run();
    expect(third.code).toBe(0);
    const mails = smtp.mails();
    expect(mails).toHaveLength(2);
    expect(mails[1]!.subject).toMatch(/nightly_dump recovered on/);
    expect(mails[1]!.text).toMatch(/Status: +SUCCESS/);
    expect(`${first.stderr}${third.stderr}${ws.readAll()}`).not.toContain(SMTP_PASSWORD);
  });

  it('counts a refused login as a failed alert, without retrying it, and keeps the run as it was', async () => {
    ws.write('config/jobs.yaml', config(smtp.port));
    const r = await runCli(['--json'], { cwd: ws.dir, env: { ...env, SMTP_PASSWORD: 'wrong-password-1234' } });
    const summary = JSON.parse(r.stdout) as RunSummary;
    expect(r.code).toBe(1);
    expect(summary.processes[0]!.status).toBe('failed');
    expect(summary.notifications).toEqual({ sent: 0, failed: 1 });
    expect(smtp.mails()).toHaveLength(0);
    expect(smtp.logins()).toEqual(['alerts refused']);
    expect(r.stderr).toMatch(/Notify: could not send the failure alert to email via 127\.0\.0\.1:\d+ to ops@example\.com, dba@example\.com: the SMTP server 127\.0\.0\.1:\d+: Invalid login/);
    expect(r.stderr).not.toContain('wrong-password-1234');
  });
});
