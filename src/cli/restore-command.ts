import { describeError } from '../core/errors.js';
import type { PipelineLogger } from '../core/pipeline.js';
import { ArchiveUnusable, loadChain } from '../archive/manifest.js';
import { chooseArchive, openNamed } from '../archive/select.js';
import { ObjectMissing } from '../archive/store.js';
import { readUrl } from '../lib/url.js';
import { influxCopySchema } from '../pipelines/influxdb-copy/schema.js';
import type { RestoreArgs } from './archive-args.js';
import type { Output } from './output.js';
import { UsageError } from './usage-error.js';

// `main restore ARCHIVE --to URL`: the chain of the newest archive (or the one named, or the newest made by --as-of)
// replayed into a server, then every measurement compared point by point. 0 when the server holds exactly what the
// archive does, 1 naming each object or measurement that is not, 130/143 when interrupted.
export async function restoreCommand(args: RestoreArgs, io: Output): Promise<number> {
  const url = readUrl(args.to, ['http', 'https']);
  // Not a URL: a folder, for an archive of SQLite databases or files (restore-files-command.ts).
  if (!url.ok && !/^[a-z][a-z0-9+.-]*:\/\//i.test(args.to)) {
    const { restoreIntoFolder } = await import('./restore-files-command.js');
    const code = await restoreIntoFolder(args, io);
    if (code !== undefined) return code;
  }
  if (!url.ok) throw new UsageError(`expected --to to be an http:// or https:// URL such as "http://localhost:8086", got "${url.shown}"${url.why ? ` (${url.why})` : ''}`);
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => stop.abort(new Error(`interrupted by ${signal}`));
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const named = await openNamed(args.archive, args);
  try {
    const id = await chooseArchive(named, args.asOf);
    const chain = await loadChain(named.store, id);
    const database = args.database ?? chain.at(-1)!.source.database;
    const user = args.user ?? url.parts.user;
    const password = args.user ? process.env.INFLUX_PASSWORD : url.parts.password ?? process.env.INFLUX_PASSWORD;
    const d = copyDefaults();
    io.out(`Restoring ${chain.map((m) => `${m.id} (${m.mode})`).join(' ← ')} from ${named.store.where} into ${url.parts.url}, database "${database}".\n`);
    const { restoreArchive } = await import('../pipelines/influxdb-copy/restore.js');
    const result = await restoreArchive(named.store, chain, {
      to: { url: url.parts.url, database, tls_verify: true, ...(user ? { user } : {}), ...(password ? { password } : {}) },
      ...(args.measurements ? { measurements: args.measurements } : {}),
      pageSize: d.page_size,
      batchBytes: d.batch_bytes,
      writeConcurrency: d.write_concurrency,
      retries: d.retries,
      timeoutMs: d.timeout * 1000,
      signal: stop.signal,
      log: logger(io, args.verbose),
    });
    for (const p of result.problems) io.err(`main: restore: ${p}`);
    const failed = result.checks.filter((c) => !c.ok);
    for (const c of failed) io.err(`main: restore: ${c.name}: ${c.detail} (the archive: ${String(c.expected)}; the server: ${String(c.actual)})`);
    io.out(`Restored ${result.points} points in ${result.objects} objects. Verified ${result.checks.length} measurement(s) point by point: ${failed.length ? `${failed.length} differ` : 'the server holds exactly what the archive does'}.\n`);
    return result.problems.length || failed.length ? 1 : 0;
  } catch (error) {
    if (stop.signal.aborted) {
      io.err(`main: restore: ${describeError(stop.signal.reason)}; what was written stays, run the restore again to complete it`);
      return String(stop.signal.reason).includes('SIGTERM') ? 143 : 130;
    }
    if (error instanceof ArchiveUnusable || error instanceof ObjectMissing) {
      io.err(`main: restore: ${error.message}`);
      return 1;
    }
    io.err(`main: restore: ${describeError(error)}`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    named.store.close();
  }
}

// The copy's own defaults (its schema is where they live): the restore writes as the copy does.
function copyDefaults(): { page_size: number; batch_bytes: number; write_concurrency: number; retries: number; timeout: number } {
  const props = (influxCopySchema.properties as Record<string, { properties: Record<string, { default: unknown }> }>).backup_config!.properties;
  const pick = (key: string) => props[key]!.default as number;
  return { page_size: pick('page_size'), batch_bytes: pick('batch_bytes'), write_concurrency: pick('write_concurrency'), retries: pick('retries'), timeout: pick('timeout') };
}

function logger(io: Output, verbose: boolean): PipelineLogger {
  const say = (line: string) => io.err(line);
  return { debug: (m) => verbose && say(m), info: (m) => verbose && say(m), warn: say, error: say };
}
