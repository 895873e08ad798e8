import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/lib/sqlite.js';
import { SCHEMA } from '../../src/pipelines/logs/tables.js';
import { sweepLogEntries, sweepRuns } from '../../src/retention/sqlite-sweeps.js';
import { StateStore } from '../../src/state/store.js';

// A prune stopped between two deletes (a crash, a full disk) leaves the database as it was: one transaction.
const dir = mkdtempSync(join(tmpdir(), 'sat-sweeps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const OLD = '2026-01-01T00:00:00.000Z';
const CUTOFF = '2026-06-01T00:00:00.000Z';
const crash = () => {
  throw new Error('the process died here');
};

describe('housekeeping in SQLite', () => {
  it('deletes the old finished runs with their results, or, stopped midway, none of them', () => {
    const path = join(dir, 'state.db');
    const store = new StateStore(path);
    for (const id of ['a', 'b']) {
      const result = { name: 'p', file: 'f', type: 'command', status: 'success' as const, startedAt: OLD, durationMs: 1 };
      store.beginRun(id, OLD, 'config');
      store.recordProcess(id, result);
      store.finishRun({ runId: id, startedAt: OLD, finishedAt: OLD, status: 'success', processes: [result] });
    }
    store.close();
    const results = () => {
      const db = openSqlite(path, { synchronous: 'FULL', busyTimeoutMs: 1000 });
      try {
        return [(db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n, (db.prepare('SELECT COUNT(*) AS n FROM process_results').get() as { n: number }).n];
      } finally {
        db.close();
      }
    };
    expect(() => sweepRuns(path, CUTOFF, false, crash)).toThrow('the process died here');
    expect(results()).toEqual([2, 2]);
    expect(sweepRuns(path, CUTOFF, true)).toBe(2);
    expect(results()).toEqual([2, 2]);
    expect(sweepRuns(path, CUTOFF, false)).toBe(2);
    expect(results()).toEqual([0, 0]);
  });

  it('deletes the logs kind\'s old entries, rejects and run statistics together, or, stopped midway, none', () => {
    const path = join(dir, 'logs.db');
    const db = openSqlite(path, { synchronous: 'NORMAL', busyTimeoutMs: 1000 });
    db.exec(SCHEMA);
    db.prepare("INSERT INTO files (id, process, format, path, gzip, size, sha256, lines, head_len, head_sha256, resume_offset, resume_line, entries, rejected, excluded, first_ingested_at, ingested_at) VALUES (1, 'web', 'nginx-combined', 'a.log', 0, 1, 'x', 1, 1, 'x', 1, 1, 1, 1, 0, ?, ?)").run(OLD, OLD);
    db.prepare('INSERT INTO http_entries (file_id, line, time, path, status) VALUES (1, 1, 0, ?, 200)').run('/');
    db.prepare("INSERT INTO rejects (file_id, line, reason, text) VALUES (1, 2, 'bad', x'00')").run();
    db.prepare("INSERT INTO log_runs (run_id, process, finished_at, stats) VALUES ('r', 'web', ?, '{}')").run(OLD);
    const counts = () => ['http_entries', 'rejects', 'log_runs', 'files'].map((t) => (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n);
    let deletes = 0;
    expect(() => sweepLogEntries(path, CUTOFF, false, () => (++deletes === 2 ? crash() : undefined))).toThrow('the process died here');
    expect(counts()).toEqual([1, 1, 1, 1]);
    expect(sweepLogEntries(path, CUTOFF, false)).toBe(3);
    expect(counts()).toEqual([0, 0, 0, 1]);
    db.close();
  });
});
