import { resolve } from 'node:path';
import { describeError, withRecords } from '../../core/errors.js';
import type { IntegrityCheck, PipelineContext, PipelineOutcome, Records } from '../../core/pipeline.js';
import { anomalousHours } from './anomalies.js';
import { cleaner } from './clean.js';
import { patternMiner } from './patterns.js';
import { formatOf } from './formats/index.js';
import { emptyOutcome, FileFailed, ingestFile, type FileOutcome } from './ingest.js';
import { expandInputs } from './inputs.js';
import { Rejects } from './rejects.js';
import { writeReports, type LogsReport } from './report.js';
import type { LogsConfig } from './schema.js';
import { ERROR_RULE, Stats } from './stats.js';
import { LogStore } from './store.js';

// Seed 003's chain in one process: ingest (parse, clean, store), then statistics, patterns and the reports.
export async function runLogs(config: LogsConfig, ctx: PipelineContext): Promise<PipelineOutcome> {
  const outcome = await ingestAndReport(config, ctx);
  if (!config.archive) return outcome;
  // Once the run's own connection is closed; the copy is consistent even while another process writes.
  const [{ archiveSqliteAfterRun }, { destinationList }] = await Promise.all([import('../../archive/sqlite-archive.js'), import('../../archive/destinations.js')]);
  return archiveSqliteAfterRun(outcome, [resolve(ctx.cwd, config.database)], destinationList(config.archive, ctx.cwd), ctx);
}

async function ingestAndReport(config: LogsConfig, ctx: PipelineContext): Promise<PipelineOutcome> {
  const started = Date.now();
  const inputs = await expandInputs(config.inputs, { database: config.database, reportsDir: config.reports_dir });
  for (const glob of inputs.empty) ctx.log.warn(`No file matches "${glob}".`);
  for (const m of inputs.missing) ctx.log.error(`Input "${m.input}": ${m.why}.`);
  for (const s of inputs.skipped) ctx.log.warn(`${s.path}: skipped, ${s.why}.`);

  const format = formatOf(config);
  const store = new LogStore(config.database, ctx.process, format.name);
  const clean = cleaner(config.exclude);
  const excludedByRule = config.exclude.map(() => 0);
  const patterns = patternMiner(format.family === 'http', config.patterns);
  const rejects = new Rejects();
  const topCapacity = Math.max(5000, config.top * 100);
  const run = new Stats(format.family, topCapacity);
  const outcomes: FileOutcome[] = [];
  const failures = new Map<FileOutcome, string>();
  const checks: IntegrityCheck[] = inputs.missing.map((m) => ({ name: `input ${m.input}`, ok: false, detail: `input "${m.input}": ${m.why}` }));
  let linesBefore = 0;
  let lastProgress = 0;
  try {
    for (const path of inputs.files) {
      if (ctx.signal.aborted) throw withRecords(ctx.signal.reason ?? new Error('stopped'), recordsSoFar(outcomes));
      let outcome: FileOutcome;
      try {
        outcome = await ingestFile(path, {
          store, format, cleaner: clean, excludedByRule, patterns, rejects, topCapacity, maxLineBytes: config.max_line_bytes, signal: ctx.signal,
          onLines(lines) {
            if (Date.now() - lastProgress < 500) return;
            lastProgress = Date.now();
            ctx.progress({ done: linesBefore + lines, unit: 'lines', message: path });
          },
        });
      } catch (error) {
        // Stopped: what its commits stored stays, and is counted in the summary.
        if (ctx.signal.aborted) throw withRecords(error, recordsSoFar([...outcomes, ...(error instanceof FileFailed ? [error.outcome] : [])]));
        // What its commits stored stays, is counted, and is where the next run continues.
        outcome = error instanceof FileFailed ? error.outcome : emptyOutcome(path, format.family, topCapacity);
        const why = describeError(error instanceof FileFailed ? error.cause : error);
        const kept = outcome.lines ? `its first ${outcome.lines} lines are stored, and the next run continues after them` : 'nothing of it was stored';
        ctx.log.error(`${path}: ${why}; ${kept}.`);
        failures.set(outcome, why);
        checks.push({ name: `read ${path}`, ok: false, detail: `${path}: ${why}` });
      }
      linesBefore += outcome.lines;
      outcomes.push(outcome);
      run.merge(outcome.stats);
      if (!failures.has(outcome)) ctx.log.info(describeOutcome(outcome));
      if (outcome.fileId !== undefined && outcome.lines > 0) checks.push(storedCheck(store, format.family, outcome));
    }

    const sum = (k: 'lines' | 'entries' | 'rejected' | 'excluded' | 'blank' | 'joined' | 'invalidUtf8' | 'bytes') => outcomes.reduce((n, o) => n + o[k], 0);
    const report: LogsReport = {
      process: ctx.process,
      runId: ctx.runId,
      generatedAt: new Date().toISOString(),
      format: format.name,
      timeZone: config.timezone,
      database: config.database,
      totals: { files: outcomes.length, lines: sum('lines'), entries: sum('entries'), rejected: sum('rejected'), excluded: sum('excluded'), blank: sum('blank'), joined: sum('joined'), invalidUtf8: sum('invalidUtf8'), bytesRead: sum('bytes') },
      files: outcomes.map((o) => ({
        path: o.path,
        status: failures.has(o) ? 'failed' : o.status,
        ...(o.sameAs ? { sameAs: o.sameAs } : {}),
        bytesRead: o.bytes,
        size: o.size,
        sha256: o.sha256,
        lines: o.lines,
        entries: o.entries,
        rejected: o.rejected,
        excluded: o.excluded,
        joined: o.joined,
        ...(failures.has(o) ? { error: failures.get(o) } : {}),
        stats: o.stats.toJSON(config.top),
      })),
      cleaning: clean.labels.map((rule, i) => ({ rule, excluded: excludedByRule[i]! })),
      statistics: run.toJSON(config.top),
      errorRule: ERROR_RULE[format.family],
      anomalies: anomalousHours(run.hours, { minEntries: config.anomalies.min_entries, z: config.anomalies.z, timeZone: config.timezone }),
      patterns: patterns ? { templates: patterns.templates().map((t) => ({ ...t, firstSeen: iso(t.firstSeen), lastSeen: iso(t.lastSeen) })), evicted: patterns.evicted() } : null,
      rejects: rejects.toJSON(),
    };
    for (const a of report.anomalies) ctx.log.warn(`Hour ${a.hour}: ${a.rule}.`);
    const t = report.totals;
    // A run that read no new line has nothing new to report: the last report still stands.
    const reports = t.lines > 0 ? await writeReports(resolve(config.reports_dir), report) : [];
    store.saveRun(ctx.runId, { totals: report.totals, statistics: report.statistics, anomalies: report.anomalies, reports });
    ctx.log.info(`Read ${t.lines} lines from ${t.files} file(s) in ${((Date.now() - started) / 1000).toFixed(1)} s: ${t.entries} stored, ${t.rejected} rejected, ${t.excluded} excluded, ${t.blank} blank${t.joined ? `, ${t.joined} joined to the message before them` : ''}. ${reports.length ? `Report: ${reports.at(-1)}.` : 'No new line, no new report.'}`);
    return {
      records: { read: t.lines, written: t.entries, rejected: t.rejected },
      integrity: { ok: checks.every((c) => c.ok), checks },
      ...(reports.length ? { reports } : {}),
    };
  } finally {
    await store.close();
  }
}

// Rows in the database for the file against the file's own counters: nothing lost, nothing doubled.
function storedCheck(store: LogStore, family: Parameters<LogStore['stored']>[0], o: FileOutcome): IntegrityCheck {
  const record = store.record(o.fileId!)!;
  const actual = store.stored(family, o.fileId!);
  const ok = actual.entries === record.entries && actual.rejected === record.rejected;
  return { name: `stored ${o.path}`, ok, expected: { entries: record.entries, rejected: record.rejected }, actual, ...(ok ? {} : { detail: `${o.path}: the database holds ${actual.entries} entries and ${actual.rejected} rejects, the file's counters say ${record.entries} and ${record.rejected}` }) };
}

function describeOutcome(o: FileOutcome): string {
  switch (o.status) {
    case 'unchanged':
      return `${o.path}: unchanged since it was ingested; skipped.`;
    case 'duplicate':
      return `${o.path}: the same content as ${o.sameAs}, already ingested (rotated or copied); skipped.`;
    default: {
      const how = o.status === 'new' ? 'new' : `grown since the last run${o.sameAs ? ` (it was ${o.sameAs})` : ''}, continued`;
      const utf8 = o.invalidUtf8 ? `, ${o.invalidUtf8} with bytes that are not UTF-8 (kept as \\xHH)` : '';
      const joined = o.joined ? `, ${o.joined} continuation lines joined` : '';
      return `${o.path}: ${how}: ${o.lines} lines, ${o.entries} stored, ${o.rejected} rejected, ${o.excluded} excluded${joined}${utf8}.`;
    }
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

// The counts of the files read so far, for a run stopped part-way.
function recordsSoFar(outcomes: FileOutcome[]): Records {
  const sum = (k: 'lines' | 'entries' | 'rejected') => outcomes.reduce((n, o) => n + o[k], 0);
  return { read: sum('lines'), written: sum('entries'), rejected: sum('rejected') };
}
