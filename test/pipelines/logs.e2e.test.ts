import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import type { LogsReport } from '../../src/pipelines/logs/report.js';
import { runCli, startCli, waitFor, Workspace, EVENT_MS } from '../helpers/cli.js';
import { nginxCombined } from '../helpers/log-lines.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

const processFile = (extra = '') => `web:\n  type: logs\n  inputs: ["logs/access.log*"]\n  format: nginx-combined\n${extra}`;

async function run(args: string[] = []): Promise<{ code: number | null; summary: RunSummary; stderr: string }> {
  const result = await runCli(['--json', ...args], { cwd: ws.dir });
  return { code: result.code, summary: JSON.parse(result.stdout) as RunSummary, stderr: result.stderr };
}

function query<T>(sql: string, ...params: unknown[]): T[] {
  const db = new Database(ws.path('data/logs.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

// A log file under logs/, as bytes or text.
function writeLog(name: string, data: string | Buffer): void {
  mkdirSync(ws.path('logs'), { recursive: true });
  writeFileSync(ws.path(`logs/${name}`), data);
}

const count = (table: string) => query<{ n: number }>(`SELECT count(*) AS n FROM ${table}`)[0]!.n;

describe('the logs kind', () => {
  it('keeps every messy line: stores what parses with typed columns, rejects the rest with a reason, and counts both', async () => {
    const longLine = `10.0.0.6 - - [22/Nov/2026:10:00:06 +0000] "GET /${'a'.repeat(70_000)} HTTP/1.1" 200 1 "-" "curl/8"`;
    const lines = [
      Buffer.from('\uFEFF10.0.0.1 - alice [22/Nov/2026:10:00:01 +0100] "GET /index.html?x=1 HTTP/1.1" 200 612 "-" "Mozilla/5.0"\n'),
      Buffer.from('2001:db8::7 - - [22/Nov/2026:10:00:02 +0000] "POST /api/users HTTP/2.0" 201 34 "https://example.com/" "Agent with \\"quotes\\" inside"\r\n'),
      Buffer.from('10.0.0.3 - - [22/Nov/2026:10:00:03 +0000] "GET /not-modified HTTP/1.1" 304 - "-" "curl/8"\n'),
      Buffer.concat([Buffer.from('10.0.0.4 - - [22/Nov/2026:10:00:04 +0000] "GET /caf'), Buffer.from([0xe9]), Buffer.from(' HTTP/1.1" 404 0 "-" "curl/8"\n')]),
      Buffer.from('hello, this is not an access log line\n'),
      Buffer.from(`${longLine}\n`),
      Buffer.from('10.0.0.7 - - [22/Nov/2026:10:00:07 +0000] "\\x16\\x03\\x01\\x02\\x00" 400 157 "-" "-"\n'),
      Buffer.from('\n'),
      Buffer.from('10.0.0.9 - - [22/Nov/2026:10:00:09 +0000] "GET /cut'),
    ];
    writeLog('access.log', Buffer.concat(lines));
    ws.write('config/web.yaml', processFile());

    const first = await run();
    expect(first.code).toBe(0);
    const p = first.summary.processes[0]!;
    expect(p.status).toBe('success');
    expect(p.records).toEqual({ read: 9, written: 5, rejected: 3 });
    expect(p.integrity?.ok).toBe(true);

    const rows = query<Record<string, unknown>>('SELECT line, time, client, user, method, path, protocol, request, status, bytes, referrer, user_agent FROM http_entries ORDER BY line');
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 4, 7]);
    expect(rows[0]).toMatchObject({ client: '10.0.0.1', user: 'alice', method: 'GET', path: '/index.html?x=1', status: 200, bytes: 612, time: Date.UTC(2026, 10, 22, 9, 0, 1) });
    expect(rows[1]).toMatchObject({ client: '2001:db8::7', protocol: 'HTTP/2.0', referrer: 'https://example.com/', user_agent: 'Agent with "quotes" inside' });
    expect(rows[2]).toMatchObject({ status: 304, bytes: null, referrer: null });
    expect(rows[3]).toMatchObject({ path: '/caf\\xe9', status: 404 });
    expect(rows[4]).toMatchObject({ method: null, path: null, request: '\\x16\\x03\\x01\\x02\\x00', status: 400 });

    const rejects = query<{ line: number; reason: string; text: Buffer }>('SELECT line, reason, text FROM rejects ORDER BY line');
    expect(rejects.map((r) => r.line)).toEqual([5, 6, 9]);
    expect(rejects[0]!.reason).toBe('not nginx-combined: expected the time in [brackets] at column 16, found "not an access log line"');
    expect(rejects[0]!.text.toString()).toBe('hello, this is not an access log line');
    expect(rejects[1]!.reason).toMatch(/^line of 70\d{3} bytes, longer than max_line_bytes \(65536\)/);
    expect(rejects[1]!.text.length).toBe(65536);
    expect(rejects[2]!.reason).toMatch(/the last line, without a newline: cut short\?/);

    const report = JSON.parse(ws.read(p.reports![0]!.slice(ws.dir.length + 1))) as LogsReport;
    expect(report.totals).toMatchObject({ files: 1, lines: 9, entries: 5, rejected: 3, blank: 1, invalidUtf8: 1 });
    expect(report.statistics.statuses).toEqual({ '200': 1, '201': 1, '304': 1, '400': 1, '404': 1 });
    expect(report.rejects.examples.map((e) => e.line)).toEqual([5, 6, 9]);
    expect(p.reports![1]).toMatch(/\.md$/);
    expect(readFileSync(p.reports![1]!, 'utf8')).toContain('## Rejected lines (3)');
  });

  it('ingests the same content once: an unchanged log is skipped, a grown one continues where it stopped, its cut last line included', async () => {
    writeLog('access.log', '10.0.0.1 - - [22/Nov/2026:10:00:01 +0000] "GET /a HTTP/1.1" 200 1 "-" "curl/8"\n10.0.0.2 - - [22/Nov/2026:10:00:02 +0000] "GET /cut');
    ws.write('config/web.yaml', processFile());
    expect((await run()).summary.processes[0]!.records).toEqual({ read: 2, written: 1, rejected: 1 });

    const again = await run();
    expect(again.summary.processes[0]!.records).toEqual({ read: 0, written: 0, rejected: 0 });
    expect(again.stderr).toContain('unchanged since it was ingested; skipped');

    appendFileSync(ws.path('logs/access.log'), ' HTTP/1.1" 200 2 "-" "curl/8"\n10.0.0.3 - - [22/Nov/2026:10:00:03 +0000] "GET /c HTTP/1.1" 200 3 "-" "curl/8"\n');
    const grown = await run();
    expect(grown.code).toBe(0);
    expect(grown.stderr).toContain('grown since the last run, continued');
    expect(grown.summary.processes[0]!.records).toEqual({ read: 2, written: 2, rejected: 0 });
    expect(query<{ line: number; path: string }>('SELECT line, path FROM http_entries ORDER BY line')).toEqual([
      { line: 1, path: '/a' },
      { line: 2, path: '/cut' },
      { line: 3, path: '/c' },
    ]);
    expect(count('rejects')).toBe(0);
    expect(query('SELECT entries, rejected, lines FROM files')).toEqual([{ entries: 3, rejected: 0, lines: 3 }]);
  });

  it('recognises rotated logs (renamed, then gzipped) and reads .gz files transparently', async () => {
    const day1 = nginxCombined(1500, Date.UTC(2026, 10, 20), 1).text.split('\n');
    const older = nginxCombined(200, Date.UTC(2026, 10, 19), 3).text;
    writeLog('access.log', `${day1.slice(0, 1000).join('\n')}\n`);
    writeLog('access.log.2.gz', gzipSync(older));
    ws.write('config/web.yaml', processFile());
    expect((await run()).summary.processes[0]!.records!.written).toBe(1200);

    // The log grows, then logrotate renames it and a new one starts.
    appendFileSync(ws.path('logs/access.log'), `${day1.slice(1000, 1500).join('\n')}\n`);
    renameSync(ws.path('logs/access.log'), ws.path('logs/access.log.1'));
    writeLog('access.log', nginxCombined(300, Date.UTC(2026, 10, 21), 2).text);
    const rotated = await run();
    expect(rotated.summary.processes[0]!.records!.written).toBe(800);
    expect(rotated.stderr).toMatch(/access\.log\.1: grown since the last run \(it was .*logs\/access\.log\), continued: 500 lines/);

    // The next rotation compresses access.log.1.
    writeLog('access.log.1.gz', gzipSync(readFileSync(ws.path('logs/access.log.1'))));
    execFileSync('rm', [ws.path('logs/access.log.1')]);
    const compressed = await run();
    expect(compressed.summary.processes[0]!.records!.read).toBe(0);
    expect(compressed.stderr).toMatch(/access\.log\.1\.gz: the same content as .*access\.log\.1, already ingested/);
    expect(count('http_entries')).toBe(2000);
  });

  it('skips a copy of a log taken after a run even once the original has grown, and keeps both names apart', async () => {
    writeLog('access.log', nginxCombined(50, Date.UTC(2026, 10, 22), 4).text);
    ws.write('config/web.yaml', processFile());
    await run();
    execFileSync('cp', ['-p', ws.path('logs/access.log'), ws.path('logs/access.log.bak')]);
    appendFileSync(ws.path('logs/access.log'), nginxCombined(5, Date.UTC(2026, 10, 23), 5).text);
    const next = await run();
    expect(next.summary.processes[0]!.records!.written).toBe(5);
    expect(next.stderr).toMatch(/access\.log\.bak: the same content as .*logs\/access\.log, already ingested/);
    const third = await run();
    expect(third.summary.processes[0]!.records!.read).toBe(0);
    expect(third.stderr).toMatch(/logs\/access\.log: unchanged since it was ingested/);
    expect(count('http_entries')).toBe(55);
  });

  it('never ingests its own database or reports, even when a glob matches them', async () => {
    writeLog('access.log', nginxCombined(10, Date.UTC(2026, 10, 22), 4).text);
    ws.write('config/web.yaml', 'web:\n  type: logs\n  inputs: ["logs/*", "data/reports/**"]\n  format: nginx-combined\n  database: logs/web.db\n  reports_dir: data/reports\n');
    await run();
    const second = await run();
    expect(second.summary.processes[0]!.records).toEqual({ read: 0, written: 0, rejected: 0 });
    expect(second.stderr).toMatch(/logs\/web\.db: skipped, it is the database this process writes/);
    expect(second.stderr).toMatch(/data\/reports\/web\/.*\.json: skipped, it is one of the reports this process writes/);
  });

  it('fails a corrupt .gz naming it, and counts what its commits stored, which the next run does not read again', async () => {
    const whole = gzipSync(nginxCombined(60_000, Date.UTC(2026, 10, 22), 9).text);
    writeLog('access.log.gz', whole.subarray(0, Math.floor(whole.length * 0.7)));
    ws.write('config/web.yaml', processFile('  patterns: { enabled: false }\n'));
    const first = await run();
    expect(first.code).toBe(1);
    const p = first.summary.processes[0]!;
    expect(p.error?.message).toMatch(/access\.log\.gz: unexpected end of file/);
    const stored = count('http_entries');
    expect(stored).toBeGreaterThanOrEqual(20_000);
    expect(p.records).toEqual({ read: stored, written: stored, rejected: 0 });
    const report = JSON.parse(readFileSync(p.reports![0]!, 'utf8')) as LogsReport;
    expect(report.files[0]).toMatchObject({ status: 'failed', entries: stored });
    expect(report.statistics.entries).toBe(stored);
    const again = await run();
    expect(again.summary.processes[0]!.records!.read).toBe(0);
    expect(count('http_entries')).toBe(stored);
  });

  it('loses and doubles nothing when its child is killed with SIGKILL mid-file: the next run continues exactly', async () => {
    const log = nginxCombined(300_000, Date.UTC(2026, 10, 22), 7);
    writeLog('access.log', log.text);
    ws.write('config/web.yaml', processFile('  patterns: { enabled: false }\n'));
    const running = startCli(['--json'], { cwd: ws.dir });
    const committed = () => {
      try {
        return query<{ lines: number }>('SELECT lines FROM files')[0]?.lines ?? 0;
      } catch {
        return 0;
      }
    };
    await waitFor(() => committed() > 0, EVENT_MS, 'a first commit');
    const child = Number(execFileSync('pgrep', ['-P', String(running.child.pid)], { encoding: 'utf8' }).trim().split('\n')[0]);
    process.kill(child, 'SIGKILL');
    const killed = await running.done;
    expect(killed.code).toBe(1);
    const before = committed();
    expect(before).toBeLessThan(300_000);

    const resumed = await run();
    expect(resumed.code).toBe(0);
    expect(resumed.summary.processes[0]!.records!.read).toBe(300_000 - before);
    expect(count('http_entries')).toBe(300_000);
    expect(query('SELECT count(DISTINCT line) AS n, min(line) AS lo, max(line) AS hi FROM http_entries')).toEqual([{ n: 300_000, lo: 1, hi: 300_000 }]);
  });

  it('cleans by its rules, counts what each one excluded, and reports statistics, templates and the hour whose errors stand out', async () => {
    const log = nginxCombined(20_000, Date.UTC(2026, 10, 22), 11);
    writeLog('access.log', log.text);
    ws.write('config/web.yaml', processFile(`  exclude:\n    - { name: probes, field: user_agent, regex: "^kube-probe/" }\n    - { name: bots, field: user_agent, regex: "googlebot", ignore_case: true }\n  top: 3\n`));
    const probes = log.text.split('\n').filter((l) => l.endsWith('"kube-probe/1.29"')).length;
    const bots = log.text.split('\n').filter((l) => l.includes('"Googlebot/')).length;
    expect(probes).toBeGreaterThan(0);
    expect(bots).toBeGreaterThan(0);

    const { summary } = await run();
    const p = summary.processes[0]!;
    expect(p.records).toEqual({ read: 20_000, written: 20_000 - probes - bots, rejected: 0 });
    const report = JSON.parse(readFileSync(p.reports![0]!, 'utf8')) as LogsReport;
    expect(report.cleaning).toEqual([{ rule: 'probes', excluded: probes }, { rule: 'bots', excluded: bots }]);
    expect(report.statistics.entries).toBe(20_000 - probes - bots);
    expect(report.statistics.top.path!.values).toHaveLength(3);
    expect(report.statistics.perHour).toHaveLength(24);
    expect(report.anomalies.map((a) => a.hour)).toEqual(['2026-11-22T13:00:00.000Z']);
    expect(report.anomalies[0]!.rule).toMatch(/standard errors above, threshold 3/);
    const templates = report.patterns!.templates.map((t) => t.template);
    expect(templates).toContain('GET /api/users/<*>/orders');
    expect(count('log_runs')).toBe(1);
  });

  it('reads syslog (RFC 3164 and 5424) and JSON lines into their own typed tables', async () => {
    ws.write('logs/syslog', 'Nov 22 04:00:01 web1 sshd[812]: Accepted publickey for alice from 10.0.0.5 port 50522 ssh2\n<11>Nov 22 04:00:02 web1 app: disk error on /dev/sda\n2026-11-22T04:00:03.123456+01:00 web2 kernel: eth0 link up\n');
    ws.write('logs/events.rfc5424', '<165>1 2026-11-22T04:00:04.003Z web3 evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="App\\]lication"] \uFEFFAn application event\n');
    ws.write('logs/app.jsonl', '{"ts":1795392000,"log":{"level":"error"},"msg":"payment failed","user":{"id":7}}\n{"time":"2026-11-22T04:00:00Z","level":50,"msg":"pino error"}\n[1,2]\n');
    ws.write('config/web.yaml', [
      'sys:\n  type: logs\n  inputs: [logs/syslog]\n  format: syslog-rfc3164\n  timezone: Europe/Madrid\n',
      'sys5424:\n  type: logs\n  inputs: [logs/events.rfc5424]\n  format: syslog-rfc5424\n',
      'app:\n  type: logs\n  inputs: [logs/app.jsonl]\n  format: jsonl\n  fields: { level: [log.level, level], message: [msg] }\n  exclude: [{ field: user.id, equals: 8 }]\n',
    ].join(''));
    const { code, summary } = await run(['--date', '2026-11-22']);
    expect(code).toBe(0);
    expect(summary.processes.map((p) => [p.name, p.records])).toEqual([
      ['sys', { read: 3, written: 3, rejected: 0 }],
      ['sys5424', { read: 1, written: 1, rejected: 0 }],
      ['app', { read: 3, written: 2, rejected: 1 }],
    ]);
    const syslog = query<Record<string, unknown>>('SELECT time, facility, severity, host, app, pid, msgid, structured_data, message FROM syslog_entries ORDER BY time');
    expect(syslog[0]).toMatchObject({ host: 'web1', app: 'sshd', pid: '812', severity: null, message: 'Accepted publickey for alice from 10.0.0.5 port 50522 ssh2' });
    expect(syslog[1]).toMatchObject({ facility: 1, severity: 3, app: 'app', message: 'disk error on /dev/sda' });
    expect(syslog[2]).toMatchObject({ time: Date.UTC(2026, 10, 22, 3, 0, 3, 123), host: 'web2', app: 'kernel' });
    expect(syslog[3]).toMatchObject({ facility: 20, severity: 5, host: 'web3', app: 'evntslog', pid: null, msgid: 'ID47', structured_data: '[exampleSDID@32473 iut="3" eventSource="App\\]lication"]', message: 'An application event' });
    // Madrid is UTC+1 in November; the year is the one that puts the line at most a day ahead of now.
    const thisYear = Date.UTC(new Date().getUTCFullYear(), 10, 22, 3, 0, 1);
    expect(syslog[0]!.time).toBe(thisYear > Date.now() + 86_400_000 ? Date.UTC(new Date().getUTCFullYear() - 1, 10, 22, 3, 0, 1) : thisYear);
    const json = query<Record<string, unknown>>('SELECT time, level, message, data FROM json_entries ORDER BY id');
    expect(json).toEqual([
      { time: 1795392000000, level: 'error', message: 'payment failed', data: '{"ts":1795392000,"log":{"level":"error"},"msg":"payment failed","user":{"id":7}}' },
      { time: Date.UTC(2026, 10, 22, 4), level: 'error', message: 'pino error', data: '{"time":"2026-11-22T04:00:00Z","level":50,"msg":"pino error"}' },
    ]);
    expect(query<{ reason: string }>('SELECT reason FROM rejects')).toEqual([{ reason: 'not a JSON object: the line is an array' }]);
  });

  it('runs from source as well (tsx main.ts), its writer thread included', async () => {
    writeLog('access.log', nginxCombined(100, Date.UTC(2026, 10, 22), 6).text);
    ws.write('config/web.yaml', processFile());
    const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));
    const main = fileURLToPath(new URL('../../main.ts', import.meta.url));
    const result = spawnSync(process.execPath, [tsx, main, '--json'], { cwd: ws.dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(result.status).toBe(0);
    expect((JSON.parse(result.stdout) as RunSummary).processes[0]!.records).toEqual({ read: 100, written: 100, rejected: 0 });
  });

  it('checks a custom pattern and the cleaning rules at --validate-only, naming the file, the line, the process and the value', async () => {
    ws.write('config/web.yaml', [
      'custom:\n  type: logs\n  inputs: [logs/x.log]\n  format: regex\n  pattern: "(\\\\d+ unclosed"\n',
      'nogroups:\n  type: logs\n  inputs: [logs/x.log]\n  format: regex\n  pattern: "^(\\\\S+) (.*)$"\n',
      'badfield:\n  type: logs\n  inputs: [logs/x.log]\n  format: nginx-combined\n  exclude: [{ field: agent, regex: bot }]\n',
      'twoways:\n  type: logs\n  inputs: [logs/x.log]\n  format: nginx-combined\n  exclude: [{ field: path, equals: /a, regex: b }]\n',
    ].join(''));
    const result = await runCli(['--validate-only'], { cwd: ws.dir });
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/config\/web\.yaml:5:12: process "custom": expected "pattern" to be a regular expression with named groups, got "\(\\\\d\+ unclosed": .*Unterminated group/);
    expect(result.stdout).toMatch(/config\/web\.yaml:10:12: process "nogroups": expected "pattern" to be a regular expression with named groups, got .*: it has no named group/);
    expect(result.stdout).toMatch(/config\/web\.yaml:15:\d+: process "badfield": expected "field" to be one of time, client, .*user_agent.* for nginx-combined, got "agent"/);
    expect(result.stdout).toMatch(/config\/web\.yaml:20:\d+: process "twoways": expected .*one of "equals", "in" or "regex"/);
    expect(result.stdout).toMatch(/input "logs\/x\.log" does not exist \(yet\)/);
  });
});
