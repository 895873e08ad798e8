import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import type { LogsReport } from '../../src/pipelines/logs/report.js';
import { runCli, Workspace } from '../helpers/cli.js';

// Real syslog files and parser test vectors from public repositories (test/fixtures/syslog/README.md: origins,
// commits and licences), ingested as a user would: two processes, one per format.
const SAMPLES = fileURLToPath(new URL('../fixtures/syslog', import.meta.url));

let ws: Workspace;
let summary: RunSummary;
const reports = new Map<string, LogsReport>();
beforeAll(async () => {
  ws = new Workspace();
  cpSync(SAMPLES, ws.path('logs'), { recursive: true });
  ws.write('config/samples.yaml', [
    'bsd:\n  type: logs\n  inputs: ["logs/beats/*.log", "logs/lnav/*", logs/vectors/rfc3164.log]\n  format: syslog-rfc3164\n',
    'ietf:\n  type: logs\n  inputs: [logs/vectors/rfc5424.log]\n  format: syslog-rfc5424\n',
  ].join(''));
  const result = await runCli(['--json'], { cwd: ws.dir });
  expect(result.code, result.stderr).toBe(0);
  summary = JSON.parse(result.stdout) as RunSummary;
  for (const p of summary.processes) reports.set(p.name, JSON.parse(ws.read(p.reports![0]!.slice(ws.dir.length + 1))) as LogsReport);
}, 120_000);
afterAll(() => ws.remove());

function rows(sql: string, ...params: unknown[]): Array<Record<string, unknown>> {
  const db = new Database(ws.path('data/logs.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

// The entry stored for line `line` of the sample `file` (a path under test/fixtures/syslog).
const entry = (file: string, line: number) => rows('SELECT e.* FROM syslog_entries e JOIN files f ON f.id = e.file_id WHERE f.path LIKE ? AND e.line = ?', `%/logs/${file}`, line)[0];

describe('public syslog samples', () => {
  it('accounts for every line: stored, joined to the message before it, or rejected with a reason', () => {
    expect(summary.processes.map((p) => [p.name, p.records, p.integrity?.ok])).toEqual([
      ['bsd', { read: 232, written: 86, rejected: 1 }, true],
      ['ietf', { read: 24, written: 18, rejected: 6 }, true],
    ]);
    const files = [...reports.values()].flatMap((r) => r.files.map((f) => [f.path.replace(/^.*\/logs\//, ''), f.lines, f.entries, f.joined, f.rejected]));
    expect(files.sort()).toEqual([
      ['beats/darwin-syslog-sample.log', 21, 3, 18, 0],
      ['beats/darwin-syslog.first-lines.log', 156, 41, 115, 0],
      ['beats/iso8601_timestamp_multiline_syslog.log', 3, 1, 2, 0],
      ['beats/suse-syslog.log', 2, 2, 0, 0],
      ['beats/tz-offset.log', 3, 3, 0, 0],
      ['lnav/logfile_bad_syslog.0', 4, 4, 0, 0],
      ['lnav/logfile_syslog.0', 4, 4, 0, 0],
      ['lnav/logfile_syslog.3', 17, 7, 10, 0],
      ['lnav/logfile_syslog_with_mixed_times.0', 13, 13, 0, 0],
      ['vectors/rfc3164.log', 9, 8, 0, 1],
      ['vectors/rfc5424.log', 24, 18, 0, 6],
    ]);
    for (const r of reports.values()) expect(r.totals.lines).toBe(r.totals.entries + r.totals.rejected + r.totals.excluded + r.totals.blank + r.totals.joined);
    expect(rows('SELECT r.line, r.reason FROM rejects r JOIN files f ON f.id = r.file_id ORDER BY f.path, r.line').map((r) => `${r.line}: ${r.reason}`)).toEqual([
      '6: not syslog-rfc3164: expected an optional <PRI>, then a time ("Nov 23 04:00:01" or RFC 3339) and a space',
      ...[17, 18, 19, 20, 21, 22].map((n) => `${n}: not syslog-rfc5424: expected <PRI>VERSION TIMESTAMP HOST APP PROCID MSGID STRUCTURED-DATA MSG`),
    ]);
  });

  it('joins macOS messages written over several lines, and reads lines without a hostname', () => {
    const keystone = entry('beats/darwin-syslog-sample.log', 1)!;
    expect(keystone).toMatchObject({ host: 'a-mac-with-esc-key', app: 'GoogleSoftwareUpdateAgent', pid: '21412' });
    expect((keystone.message as string).split('\n')).toHaveLength(19);
    expect(keystone.message).toMatch(/^2016-12-13 11:35:28\.420 GoogleSoftwareUpdateAgent\[21412\/0x700007399000\] .*<KSUpdateEngine:0x100341a00\n\t\tticketStore=.*\n\t\terrors=0\n\t>$/s);
    expect(entry('beats/darwin-syslog-sample.log', 21)).toMatchObject({ host: null, app: null, pid: null, message: '--- last message repeated 1 time ---' });
    expect(entry('lnav/logfile_syslog.3', 3)).toMatchObject({ host: 'Tims-Air', app: 'syslogd', pid: '314', message: 'Configuration Notice:\n\tASL Module "com.apple.cdscheduler" claims selected messages.\n\tThose messages may not appear in standard system log files or in the ASL database.' });
    expect(entry('beats/iso8601_timestamp_multiline_syslog.log', 1)).toMatchObject({ time: Date.UTC(2020, 11, 25, 21, 59, 59), app: 'GoogleSoftwareUpdateAgent', message: expect.stringMatching(/^2016-12-13 11:35:28\.421\n\t\tGoogleSoftwareUpdateAgent.*\n\t\tinstalled products, except:'com\.google\.Keystone'\.$/s) });
    expect(entry('vectors/rfc3164.log', 3)).toMatchObject({ facility: 16, severity: 5, host: null, app: 'haproxy', pid: '73411', message: 'Proxy sticky-servers started.' });
  });

  it('reads hosts, tags and times as rsyslog does on a hand-checked handful', () => {
    expect(entry('beats/darwin-syslog.first-lines.log', 155)).toMatchObject({ app: 'com.apple.xpc.launchd', pid: '1', message: expect.stringMatching(/^\(com\.apple\.quicklook\[21498\]\): Endpoint has been activated/) });
    expect(entry('beats/darwin-syslog.first-lines.log', 156)).toMatchObject({ host: 'a-mac-with-esc-key', app: null, message: expect.stringMatching(/^Google Chrome\[85294\]: objc\[85294\]: __weak variable/) });
    expect(entry('lnav/logfile_bad_syslog.0', 3)).toMatchObject({ host: 'veridian', app: null, message: 'lookup for opt failed' });
    expect(entry('lnav/logfile_syslog_with_mixed_times.0', 2)).toMatchObject({ host: 'Tim-Stacks-iMac.local', app: 'airportd', pid: '59' });
    expect(entry('beats/tz-offset.log', 1)).toMatchObject({ time: Date.UTC(1986, 3, 25, 21, 23, 45, 101), host: 'rmbkmonitor04', app: 'shutdown', pid: '2649', message: 'shutting down for system halt' });
    expect(entry('vectors/rfc3164.log', 5)).toMatchObject({ host: null, app: null, message: 'Übergröße außerplanmäßig größenordnungsmäßig' });
    expect(entry('vectors/rfc3164.log', 9)).toMatchObject({ facility: 10, severity: 5, host: 'ip-172-31-30-110', app: 'sudo', pid: '6040', message: 'ec2-user : TTY=pts/0 ; PWD=/var/log ; USER=root ; COMMAND=/bin/tail secure' });
  });

  it('reads the RFC 5424 vectors: versions up to 999, nil values, fields at their longest, structured data', () => {
    expect(entry('vectors/rfc5424.log', 4)).toMatchObject({ facility: 0, severity: 1, time: null, host: 'host-name', app: null, pid: null, msgid: null, structured_data: null, message: null });
    expect(entry('vectors/rfc5424.log', 7)).toMatchObject({ host: 'host-name', app: 'app-name', pid: 'proc-id', msgid: 'msg-id' });
    const longest = entry('vectors/rfc5424.log', 8)!;
    expect([(longest.host as string).length, (longest.app as string).length, (longest.pid as string).length, (longest.msgid as string).length]).toEqual([255, 48, 128, 32]);
    expect(longest).toMatchObject({ facility: 23, severity: 7, time: Date.UTC(2019, 0, 1, 23, 58, 59, 999), structured_data: '[an@id key1="val1" key2="val2"][another@id key1="val1"]', message: 'Some message "GET"' });
    expect(entry('vectors/rfc5424.log', 10)).toMatchObject({ time: null, host: 'mymachine.example.com', app: 'su', msgid: 'ID47', message: "'su root' failed for lonvick on /dev/pts/8" });
    expect(entry('vectors/rfc5424.log', 14)).toMatchObject({ app: 'CROND', pid: '10391', structured_data: '[sdid x="⌘"]', message: 'some_message' });
  });
});
