import { appendFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import type { LogsReport } from '../../src/pipelines/logs/report.js';
import { runCli, startCli, waitFor, Workspace } from '../helpers/cli.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

async function run(): Promise<{ code: number | null; summary: RunSummary; stderr: string }> {
  const result = await runCli(['--json'], { cwd: ws.dir });
  return { code: result.code, summary: JSON.parse(result.stdout) as RunSummary, stderr: result.stderr };
}

function query<T>(sql: string): T[] {
  const db = new Database(ws.path('data/logs.db'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

const processFile = (extra = '') => `sys:\n  type: logs\n  inputs: [logs/system.log]\n  format: syslog-rfc3164\n${extra}`;

describe('syslog messages over several lines', () => {
  it('joins continuation lines to their message once, even when they are written after a run', async () => {
    ws.write('logs/system.log', [
      'Nov 22 04:00:01 mac syslogd[314]: Configuration Notice:',
      '\tASL Module "com.apple.install" claims selected messages.',
      'Nov 22 04:00:02 mac kernel[0]: trace begins',
      '\tat frame 1',
      '',
    ].join('\n'));
    ws.write('config/sys.yaml', processFile());
    const first = await run();
    expect(first.code).toBe(0);
    expect(first.summary.processes[0]!.records).toEqual({ read: 4, written: 2, rejected: 0 });
    expect(first.stderr).toContain('4 lines, 2 stored, 0 rejected, 0 excluded, 2 continuation lines joined');
    const report = JSON.parse(ws.read(first.summary.processes[0]!.reports![0]!.slice(ws.dir.length + 1))) as LogsReport;
    expect(report.totals).toMatchObject({ lines: 4, entries: 2, rejected: 0, excluded: 0, blank: 0, joined: 2 });

    // The last message may go on: the next run reads it again, with what was appended.
    appendFileSync(ws.path('logs/system.log'), '\tat frame 2\nNov 22 04:00:03 mac kernel[0]: done\n');
    const grown = await run();
    expect(grown.code).toBe(0);
    expect(grown.summary.processes[0]!.integrity?.ok).toBe(true);
    expect(grown.summary.processes[0]!.records).toEqual({ read: 4, written: 2, rejected: 0 });
    expect(query('SELECT line, host, app, pid, message FROM syslog_entries ORDER BY line')).toEqual([
      { line: 1, host: 'mac', app: 'syslogd', pid: '314', message: 'Configuration Notice:\n\tASL Module "com.apple.install" claims selected messages.' },
      { line: 3, host: 'mac', app: 'kernel', pid: '0', message: 'trace begins\n\tat frame 1\n\tat frame 2' },
      { line: 6, host: 'mac', app: 'kernel', pid: '0', message: 'done' },
    ]);
    expect(query('SELECT entries, rejected, lines, resume_line FROM files')).toEqual([{ entries: 3, rejected: 0, lines: 6, resume_line: 6 }]);

    // A run that reads a continuation line while it is being written, only its tab so far, keeps the message whole.
    appendFileSync(ws.path('logs/system.log'), '\t');
    expect((await run()).summary.processes[0]!.records).toEqual({ read: 2, written: 1, rejected: 0 });
    appendFileSync(ws.path('logs/system.log'), 'at frame 9\n');
    expect((await run()).summary.processes[0]!.records).toEqual({ read: 2, written: 1, rejected: 0 });
    expect(query('SELECT line, message FROM syslog_entries WHERE line = 6')).toEqual([{ line: 6, message: 'done\n\tat frame 9' }]);
    expect(query('SELECT count(*) AS n FROM rejects')).toEqual([{ n: 0 }]);

    const again = await run();
    expect(again.summary.processes[0]!.records).toEqual({ read: 0, written: 0, rejected: 0 });
  });

  it('rejects a continuation line with no message before it, naming why, and keeps a rejected message whole', async () => {
    ws.write('logs/system.log', ['\tat the start', 'Nov 22 04:00:01 mac app: one', '', '  after a blank line', 'not a syslog line', '\tits continuation'].join('\n'));
    ws.write('config/sys.yaml', processFile());
    const { summary } = await run();
    expect(summary.processes[0]!.records).toEqual({ read: 6, written: 1, rejected: 3 });
    expect(query<{ line: number; reason: string; text: Buffer }>('SELECT line, reason, text FROM rejects ORDER BY line').map((r) => [r.line, r.reason, r.text.toString()])).toEqual([
      [1, 'a continuation line (it starts with a space or a tab) with no message before it to join', '\tat the start'],
      [4, 'a continuation line (it starts with a space or a tab) with no message before it to join', '  after a blank line'],
      [5, 'not syslog-rfc3164: expected an optional <PRI>, then a time ("Nov 23 04:00:01" or RFC 3339) and a space (with the 1 continuation line after it) (the last line, without a newline: cut short?)', 'not a syslog line\n\tits continuation'],
    ]);
  });

  it('loses and doubles nothing when killed while a message is held across commits: the next run continues exactly', async () => {
    const messages = 200_000;
    const lines: string[] = [];
    for (let i = 1; i <= messages; i++) lines.push(`Nov 22 04:${String(Math.floor(i / 6000) % 60).padStart(2, '0')}:00 h app[${i % 97}]: event ${i}`, `\tdetail ${i}`);
    ws.write('logs/system.log', `${lines.join('\n')}\n`);
    ws.write('config/sys.yaml', processFile());
    const running = startCli(['--json'], { cwd: ws.dir });
    const position = () => {
      try {
        return query<{ resume_line: number }>('SELECT resume_line FROM files')[0]?.resume_line ?? 1;
      } catch {
        return 1;
      }
    };
    await waitFor(() => position() > 1, 60_000, 'a first commit');
    const child = Number(execFileSync('pgrep', ['-P', String(running.child.pid)], { encoding: 'utf8' }).trim().split('\n')[0]);
    process.kill(child, 'SIGKILL');
    expect((await running.done).code).toBe(1);
    const resumeAt = position();
    expect(resumeAt).toBeLessThan(2 * messages);
    // Every commit is made while a message is held, so the position is at a first line, never between a message and its continuation.
    expect(resumeAt % 2).toBe(1);

    const resumed = await run();
    expect(resumed.code).toBe(0);
    const p = resumed.summary.processes[0]!;
    expect(p.integrity?.ok).toBe(true);
    expect(p.records).toEqual({ read: 2 * messages - (resumeAt - 1), written: messages - (resumeAt - 1) / 2, rejected: 0 });
    expect(query(`SELECT count(*) AS n, count(DISTINCT line) AS d, sum(message = 'event ' || ((line + 1) / 2) || char(10, 9) || 'detail ' || ((line + 1) / 2)) AS whole FROM syslog_entries`)).toEqual([{ n: messages, d: messages, whole: messages }]);
    expect(query('SELECT count(*) AS n FROM rejects')).toEqual([{ n: 0 }]);
  });
});
