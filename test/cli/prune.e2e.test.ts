import { existsSync, readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { archiveId, manifestHeader } from '../../src/archive/manifest.js';
import { StateStore } from '../../src/state/store.js';
import { openSqlite } from '../../src/lib/sqlite.js';
import { SCHEMA } from '../../src/pipelines/logs/tables.js';
import { runCli, Workspace } from '../helpers/cli.js';

// `main prune` through the real CLI: archives a process's retention no longer keeps, and what housekeeping's
// keep_days no longer keeps of the product's own files and rows.
let ws: Workspace;
afterEach(() => ws?.remove());

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);
const touch = (file: string, days: number) => (utimesSync(file, ago(days), ago(days)), file);

function archive(when: Date, parent: string | null, complete = true): string {
  const id = archiveId(when);
  ws.write(`archives/${id}/db/autogen/cpu/1.lp.zst`, 'x');
  if (complete) ws.write(`archives/${id}/manifest.json`, JSON.stringify({ ...manifestHeader, id, parent, created_at: when.toISOString(), kind: 'influxdb-copy', process: 'nightly' }));
  return id;
}

const PROCESS = (retention: string) => `nightly:\n  source_server: { url: "http://127.0.0.1:9", database: db }\n  destination_archive: { path: archives }\n  retention: ${retention}\n`;

describe('main prune: archives', () => {
  it('--dry-run says what would go and which rule keeps each kept one, deleting nothing; then prune deletes it', async () => {
    ws = new Workspace();
    ws.write('config/backup.yaml', PROCESS('{ keep_daily: 2 }'));
    const old = archive(ago(10), null);
    const yesterday = archive(ago(1), null);
    const today = archive(ago(0), null);
    const chained = archive(new Date(Date.now() + 1000), today);
    const stale = archive(ago(3), null, false);

    const dry = await runCli(['prune', '--dry-run', '--json'], { cwd: ws.dir });
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout) as { archives: Array<{ process: string; deleted: number; kept: number; decisions: Array<{ id: string; keep: boolean; reasons: string[] }> }> };
    const decisions = Object.fromEntries(plan.archives[0]!.decisions.map((d) => [d.id, [d.keep, d.reasons.join('; ')]]));
    expect(decisions[chained]![0]).toBe(true);
    expect(decisions[chained]![1]).toMatch(/^keep_daily \d{4}-\d{2}-\d{2}$/);
    expect(decisions[today]).toEqual([true, `parent of ${chained} (its chain needs it)`]);
    expect(decisions[yesterday]![1]).toMatch(/^keep_daily /);
    expect(decisions[old]).toEqual([false, 'no rule keeps it']);
    expect(decisions[stale]).toEqual([false, 'incomplete (no manifest.json), older than 24 h']);
    expect(readdirSync(ws.path('archives')).sort()).toEqual([old, yesterday, today, chained, stale].sort());

    const text = await runCli(['prune', '--dry-run'], { cwd: ws.dir });
    expect(text.stdout).toContain(`nightly: ${ws.path('archives')}: 2 archive(s) to delete, 3 kept`);
    expect(text.stdout).toMatch(new RegExp(`delete  ${old}  no rule keeps it`));

    const done = await runCli(['prune'], { cwd: ws.dir });
    expect(done.code, done.stderr).toBe(0);
    expect(readdirSync(ws.path('archives')).sort()).toEqual([yesterday, today, chained].sort());
  });

  it('keeps a command process\'s archives in each of its places to its rules after every run, main started elsewhere with -c', async () => {
    ws = new Workspace();
    ws.write('config/backup.yaml', 'dump:\n  type: command\n  run: { shell: "mkdir -p out && date +%s%N > out/dump.txt" }\n  archive: { paths: [out], to: [{ path: backups/a }, { path: backups/b }] }\n  retention: { keep_last: 2 }\n');
    const elsewhere = new Workspace(); // the cwd of cron, not the project folder
    try {
      for (let i = 0; i < 4; i++) {
        const r = await runCli(['-c', ws.path('config'), '--json', '--state', ws.path('data/state.db')], { cwd: elsewhere.dir });
        expect(r.code, r.stderr).toBe(0);
        const retention = (JSON.parse(r.stdout) as { processes: Array<{ retention?: { deleted: number; kept: number } }> }).processes[0]!.retention;
        // Both places: from the third run on, one archive goes from each.
        expect(retention).toEqual({ deleted: i >= 2 ? 2 : 0, kept: Math.min(i + 1, 2) * 2 });
      }
      for (const place of ['a', 'b']) expect(readdirSync(ws.path(`backups/${place}`))).toHaveLength(2);
      expect(readdirSync(ws.path('backups/a')).sort()).toEqual(readdirSync(ws.path('backups/b')).sort());
      expect(existsSync(join(elsewhere.dir, 'backups'))).toBe(false);
      const dry = await runCli(['prune', '--dry-run', '--json', '-c', ws.path('config'), '--state', ws.path('data/state.db')], { cwd: elsewhere.dir });
      expect(dry.code, dry.stderr).toBe(0);
      const plan = JSON.parse(dry.stdout) as { archives: Array<{ where: string; deleted: number; kept: number }> };
      expect(plan.archives.map((a) => [a.where, a.deleted, a.kept])).toEqual([[ws.path('backups/a'), 0, 2], [ws.path('backups/b'), 0, 2]]);
    } finally {
      elsewhere.remove();
    }
  });

  it('refuses an unknown --only name and a retention rule that is not one (exit 2), pruning nothing', async () => {
    ws = new Workspace();
    ws.write('config/backup.yaml', PROCESS('{ keep_daily: 2 }'));
    archive(ago(10), null);
    archive(ago(0), null);
    const unknown = await runCli(['prune', '--only', 'nope'], { cwd: ws.dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown process "nope" in --only; known: nightly');
    ws.write('config/backup.yaml', PROCESS('{ keep_dayly: 2, keep_within: "30 days" }'));
    const bad = await runCli(['prune'], { cwd: ws.dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/config\/backup\.yaml:4:\d+: process "nightly".*keep_dayly/);
    expect(bad.stderr).toMatch(/keep_within.*"30d"/);
    expect(readdirSync(ws.path('archives'))).toHaveLength(2);
  });

  it('takes retention from config/.defaults.yaml', async () => {
    ws = new Workspace();
    ws.write('config/.defaults.yaml', 'retention: { keep_last: 1 }\n');
    ws.write('config/backup.yaml', `nightly:\n  source_server: { url: "http://127.0.0.1:9", database: db }\n  destination_archive: { path: archives }\n`);
    archive(ago(2), null);
    const newest = archive(ago(1), null);
    const r = await runCli(['prune'], { cwd: ws.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(ws.path('archives'))).toEqual([newest]);
  });

  it("refuses a process's own retention when it writes no archive, not one it takes from the defaults", async () => {
    ws = new Workspace();
    ws.write('config/.defaults.yaml', 'retention: { keep_last: 1 }\n');
    ws.write('config/backup.yaml', 'dump:\n  type: command\n  run: { argv: ["true"] }\n');
    const given = await runCli(['--validate-only'], { cwd: ws.dir });
    expect(given.code, given.stderr).toBe(0);
    ws.write('config/backup.yaml', 'dump:\n  type: command\n  run: { argv: ["true"] }\n  retention: { keep_last: 3 }\n');
    const own = await runCli(['--validate-only'], { cwd: ws.dir });
    expect(own.code).toBe(2);
    expect(own.stdout).toContain('config/backup.yaml:4:3:');
    expect(own.stdout).toContain('"retention" keeps and deletes this process\'s archives, and it writes none: give it an archive place (`archive: { paths, to }`) or remove "retention"');
    // Written as a block, it is pointed at by its key; a kind with no archive place is told to drop it.
    ws.write('config/backup.yaml', 'miner:\n  type: adatrap\n  storage: { region: us-east-1 }\n  program: { executable: { bucket: exe, key: p.exe }, parameters: { bucket: exe, key: p.par } }\n  inputs: { gps: { bucket: gps, key: "{date}.gps" } }\n  run: { where: local }\n  archive: { bucket: out }\n  retention:\n    keep_last: 3\n');
    const adatrap = await runCli(['--validate-only'], { cwd: ws.dir });
    expect(adatrap.code).toBe(2);
    expect(adatrap.stdout).toContain('config/backup.yaml:8:3: process "miner": "retention" keeps and deletes a process\'s archives, and a process of kind "adatrap" writes none: remove "retention"');
  });
});

describe('main prune: housekeeping', () => {
  it('deletes what is older than keep_days in each place and keeps what is younger', async () => {
    ws = new Workspace();
    ws.write('config/.defaults.yaml', 'housekeeping: { keep_days: 30, runs: 10 }\n');
    ws.write('config/web.yaml', 'web:\n  type: logs\n  inputs: ["in/*.log"]\n  format: nginx-combined\n  database: data/logs.db\n  reports_dir: data/reports\n');
    ws.write('sources/SCAN/BORDE', 'l1;if1;10;cisco\n');
    ws.write('config/scan.yaml', 'scan:\n  type: scan\n  layers: [BORDE]\n  sources_dir: sources/SCAN\n  data_dir: data/SCAN\n  store: { kind: sqlite, path: data/scan.db }\n');

    // Runs: one 20 days old, one 5 days old, one 20 days old that never finished (a run still going is never deleted).
    const store = new StateStore(ws.path('data/state.db'));
    for (const [id, days, finished] of [['old', 20, true], ['young', 5, true], ['open', 20, false]] as const) {
      store.beginRun(id, ago(days).toISOString(), 'config');
      if (finished) store.finishRun({ runId: id, startedAt: ago(days).toISOString(), finishedAt: ago(days).toISOString(), status: 'success', processes: [{ name: 'web', file: 'config/web.yaml', type: 'logs', status: 'success', startedAt: ago(days).toISOString(), durationMs: 1 }] });
    }
    store.close();
    // Log files: the current one is never deleted, however old; rotated ones by when last written.
    const logs = ws.path('data/logs');
    const current = touch(ws.write('data/logs/sysadmintoolkit.jsonl', '{}\n'), 40);
    const oldRotated = touch(ws.write('data/logs/sysadmintoolkit1.jsonl', '{}\n'), 40);
    const youngRotated = touch(ws.write('data/logs/sysadmintoolkit2.jsonl', '{}\n'), 3);
    const inbox = ws.path('inbox');
    const oldProcessed = touch(ws.write('inbox/processed/a.log', 'x'), 31);
    const youngProcessed = touch(ws.write('inbox/processed/b.log', 'x'), 29);
    const oldReport = touch(ws.write('data/reports/web/run-1.json', '{}'), 45);
    const youngReport = touch(ws.write('data/reports/web/run-2.md', '#'), 1);
    const day = (days: number) => ago(days).toISOString().slice(0, 10);
    const oldDay = ws.write(`data/SCAN/BORDE/${day(40)}.tar`, 'x');
    const oldCsv = ws.write(`data/SCAN/DAILY_SUMMARY/BORDE/${day(40)}.csv`, 'x');
    const oldPage = ws.write(`data/SCAN/DAILY_SUMMARY/BORDE/${day(40)}.html`, 'x');
    const oldCharts = ws.write(`data/SCAN/DAILY_SUMMARY/BORDE/${day(40)}.svg`, 'x');
    const youngPage = ws.write(`data/SCAN/DAILY_SUMMARY/BORDE/${day(2)}.html`, 'x');
    const youngDay = ws.write(`data/SCAN/BORDE/${day(2)}.tar`, 'x');
    const scanDb = ws.write('data/SCAN/notes.txt', 'not a day file');
    // The logs kind's database: a file read 40 days ago and one read today, an entry and a reject each.
    const db = openSqlite(ws.path('data/logs.db'), { synchronous: 'NORMAL', busyTimeoutMs: 1000 });
    db.exec(SCHEMA);
    const file = db.prepare("INSERT INTO files (id, process, format, path, gzip, size, sha256, lines, head_len, head_sha256, resume_offset, resume_line, entries, rejected, excluded, first_ingested_at, ingested_at) VALUES (?, 'web', 'nginx-combined', ?, 0, 1, 'x', 1, 1, 'x', 1, 1, 1, 1, 0, ?, ?)");
    file.run(1, 'old.log', ago(40).toISOString(), ago(40).toISOString());
    file.run(2, 'new.log', ago(0).toISOString(), ago(0).toISOString());
    for (const id of [1, 2]) {
      db.prepare('INSERT INTO http_entries (file_id, line, time, path, status) VALUES (?, 1, 0, ?, 200)').run(id, `/p${id}`);
      db.prepare("INSERT INTO rejects (file_id, line, reason, text) VALUES (?, 2, 'bad', x'00')").run(id);
    }
    db.close();

    const dry = await runCli(['prune', '--dry-run', '--json', '--inbox', inbox], { cwd: ws.dir });
    expect(dry.code, dry.stderr).toBe(0);
    const swept = (JSON.parse(dry.stdout) as { housekeeping: Array<{ place: string; count: number; files?: string[] }> }).housekeeping;
    expect(Object.fromEntries(swept.map((s) => [s.place, s.files ?? s.count]))).toEqual({ runs: 1, log_files: [oldRotated], processed: [oldProcessed], logs_entries: 2, reports: [oldReport], scan_files: [oldDay, oldCsv, oldPage, oldCharts].sort() });
    expect(existsSync(oldRotated) && existsSync(oldReport) && existsSync(oldDay)).toBe(true);

    const r = await runCli(['prune', '--inbox', inbox], { cwd: ws.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('housekeeping runs: 1 runs deleted in');
    for (const gone of [oldRotated, oldProcessed, oldReport, oldDay, oldCsv, oldPage, oldCharts]) expect(existsSync(gone), gone).toBe(false);
    for (const kept of [current, youngRotated, youngProcessed, youngReport, youngDay, youngPage, scanDb]) expect(existsSync(kept), kept).toBe(true);
    expect(readdirSync(logs).sort()).toEqual(['sysadmintoolkit.jsonl', 'sysadmintoolkit2.jsonl']);
    const after = new StateStore(ws.path('data/state.db'));
    expect(after.runs(100).map((run) => run.runId).sort()).toEqual(['open', 'young']);
    after.close();
    const left = openSqlite(ws.path('data/logs.db'), { synchronous: 'NORMAL', busyTimeoutMs: 1000 });
    expect(left.prepare('SELECT file_id FROM http_entries').all()).toEqual([{ file_id: 2 }]);
    expect(left.prepare('SELECT file_id FROM rejects').all()).toEqual([{ file_id: 2 }]);
    expect(left.prepare('SELECT COUNT(*) AS n FROM files').get()).toEqual({ n: 2 }); // a file read is not read again
    left.close();
  });

  it('is applied after a run of main too', async () => {
    ws = new Workspace();
    ws.write('config/.defaults.yaml', 'housekeeping: { runs: 10 }\n');
    ws.write('config/job.yaml', 'job:\n  type: command\n  run: { argv: ["true"] }\n');
    const store = new StateStore(ws.path('data/state.db'));
    store.beginRun('old', ago(20).toISOString(), 'config');
    store.finishRun({ runId: 'old', startedAt: ago(20).toISOString(), finishedAt: ago(20).toISOString(), status: 'success', processes: [] });
    store.close();
    const r = await runCli(['--json'], { cwd: ws.dir });
    expect(r.code, r.stderr).toBe(0);
    const after = new StateStore(ws.path('data/state.db'));
    const left = after.runs(100).map((run) => run.runId);
    after.close();
    expect(left).toHaveLength(1);
    expect(left).not.toContain('old');
  });
});
