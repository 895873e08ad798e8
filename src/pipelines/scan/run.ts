import { resolve } from 'node:path';
import pLimit from 'p-limit';
import { withRetries, causedBy } from '../../lib/retry.js';
import { describeError, ErrorCode } from '../../core/errors.js';
import type { IntegrityCheck, PipelineContext, PipelineOutcome } from '../../core/pipeline.js';
import { dayBounds, yesterday, type Day } from './day.js';
import { CredentialsProbe, refusedMessage } from './credentials.js';
import { fetchLog, FetchRefused, keepAliveAgents, type Agents } from './fetch.js';
import { collect, type Collected } from './collect.js';
import { RawArchive } from './raw-archive.js';
import { throttledProgress } from './progress.js';
import { LayerReports } from './layer-reports.js';
import type { ScanConfig } from './schema.js';
import { readLayer, type Interface } from './sources.js';
import type { InterfaceDay, ScanStoreWriter } from './store.js';

// Seed 000's nightly routine, in its strict order: collect the day from SCAN, summarise it, store both.
export async function runScan(config: ScanConfig, ctx: PipelineContext): Promise<PipelineOutcome> {
  const day = dayBounds(ctx.date ?? config.date ?? yesterday(config.timezone), config.timezone);
  ctx.log.info(`Collecting ${day.date} (${config.timezone}): ${day.expectedSamples} five-minute samples per interface expected.`);

  const interfaces: Interface[] = [];
  let rejected = 0;
  for (const layer of config.layers) {
    const source = readLayer(config.sources_dir, layer);
    if (source.missing) ctx.log.warn(`No source file ${config.sources_dir}/${layer}: layer ${layer} skipped.`);
    for (const p of source.problems) ctx.log.warn(`${p.file}:${p.line}: ${p.message}; line skipped.`);
    rejected += source.problems.length;
    interfaces.push(...source.interfaces);
  }

  // 1. Collection → 2. processing → 3. storage, interface by interface: each is stored once it is collected and
  // summarised, in batches of one transaction, while the next ones are still being fetched.
  const store = await openStore(config, ctx);
  const storing = new StoreQueue(store);
  const collected = new Map<Interface, Collected>();
  const failed = new Map<Interface, string>();
  const agents = keepAliveAgents(config.concurrency, interfaces.some((i) => i.link.startsWith('https:')));
  const limit = pLimit(config.concurrency);
  const progress = throttledProgress(ctx);
  const probes = new Map(config.layers.map((layer) => [layer, new CredentialsProbe()]));
  const archives = new Map(config.layers.map((layer) => [layer, new RawArchive(config.data_dir, layer, day.date)]));
  const layerReports = new LayerReports(config, day, interfaces, collected, ctx.log);
  // An archive that cannot take its place fails the process, once the rest is summarised and stored.
  const archiveFailures: string[] = [];
  const finishArchives = () => {
    for (const archive of archives.values()) {
      try {
        archive.finish();
      } catch (error) {
        archiveFailures.push(`writing ${archive.file}: ${describeError(error)}`);
        ctx.log.error(archiveFailures.at(-1)!);
      }
    }
  };
  const started = Date.now();
  let done = 0;
  let read = 0;
  let written: number;
  let refused = new Map<string, string>();
  let reports: string[];
  try {
    await Promise.all(
      interfaces.map(async (iface) => {
        const probe = probes.get(iface.layer)!;
        try {
          // Only the fetch takes one of the `concurrency` slots: parsing and the file write overlap the next fetches.
          // A layer whose first answers refused the credentials fetches nothing more.
          const bytes = await limit(() => (probe.stopped ? undefined : fetchWithRetries(iface, config, ctx, agents)));
          if (bytes) {
            const c = await collect(iface, bytes, day, config, ctx, archives.get(iface.layer)!);
            read += c.rows.length;
            rejected += c.skipped;
            // The rows go to the store and are let go once written; the summaries stay for the CSVs, the five-minute
            // averages for the report's charts.
            collected.set(iface, { iface, summary: c.summary, series: c.series });
            storing.add({ layer: iface.layer, interface: iface.name, vendor: iface.vendor, date: day.date, dayStart: day.start, dayEnd: day.end, rows: c.rows, summary: c.summary });
            probe.answer();
          }
        } catch (error) {
          if (ctx.signal.aborted) throw error;
          const reason = describeError(error);
          failed.set(iface, reason);
          const tell = () => ctx.log.error(`${iface.layer} ${iface.name}: ${reason}`, { link: iface.link });
          if (probe.answer(error, tell)) ctx.log.error(`${refusedMessage(iface.layer, probe.refusals, config.credentials !== undefined)}: the layer is stopped.`);
        }
        // A stopped run starts no layer's files: those already being written are waited for below.
        if (!ctx.signal.aborted) layerReports.done(iface.layer);
        progress.report({ done: ++done, total: interfaces.length, unit: 'interfaces' });
      }),
    );
    for (const probe of probes.values()) probe.settle();
    finishArchives();
    refused = refusedLayers(config, ctx.process, interfaces, collected, probes);
    ctx.log.info(`Collected ${collected.size} of ${interfaces.length} interface(s) in ${seconds(started)}.`);
    // The daily summary of each layer, written once every interface of it was in (and whatever happens to the store).
    reports = await layerReports.finish();
    written = await storing.finish();
  } finally {
    // Stopped or failed: the raw rows collected so far are kept all the same, and so are the files of a layer
    // being written (no half-written report, no temporary file left behind).
    limit.clearQueue();
    await layerReports.settle();
    finishArchives();
    progress.close();
    agents.http.destroy();
    agents.https.destroy();
    await store.close();
  }
  ctx.log.info(`Stored ${written} samples of ${collected.size} interface(s) in ${config.store.kind}; ${seconds(started)} in all.`);
  const checks = completeness(config.layers, interfaces, collected, failed, refused, day);
  const outcome: PipelineOutcome = { records: { read, written, rejected }, integrity: { ok: checks.every((c) => c.ok), checks } };
  if (reports.length) outcome.reports = reports;
  if (refused.size) outcome.error = { code: ErrorCode.ScanCredentials, message: [...refused.values()].join('; ') };
  else if (archiveFailures.length) outcome.error = { code: ErrorCode.Pipeline, message: archiveFailures.join('; ') };
  if (!config.archive) return outcome;
  const [{ archiveSqliteAfterRun }, { destinationList }] = await Promise.all([import('../../archive/sqlite-archive.js'), import('../../archive/destinations.js')]);
  return archiveSqliteAfterRun(outcome, [resolve(ctx.cwd, config.store.path)], destinationList(config.archive, ctx.cwd), ctx);
}

// Days waiting to be stored, written 25 interfaces to a transaction, one batch after the other.
class StoreQueue {
  private pending: InterfaceDay[] = [];
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;
  private written = 0;

  constructor(private readonly store: ScanStoreWriter) {}

  add(day: InterfaceDay): void {
    this.pending.push(day);
    if (this.pending.length >= 25) this.flush();
  }

  async finish(): Promise<number> {
    this.flush();
    await this.chain;
    if (this.failure) throw this.failure;
    return this.written;
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.chain = this.chain.then(async () => {
      if (this.failure) return;
      try {
        this.written += await this.store.replaceDays(batch);
      } catch (error) {
        this.failure = error;
      }
    });
  }
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

function fetchWithRetries(iface: Interface, config: ScanConfig, ctx: PipelineContext, agents: Agents): Promise<Buffer> {
  return withRetries(
    () => fetchLog(iface.link, { credentials: config.credentials, timeoutMs: config.request_timeout * 1000, tlsVerify: config.tls_verify, signal: ctx.signal, agents }),
    {
      retries: config.retries,
      signal: ctx.signal,
      isPermanent: (e) => causedBy(e, FetchRefused) || (e as NodeJS.ErrnoException).code === 'ENOENT',
      onRetry: (attempt, error) => ctx.log.warn(`${iface.layer} ${iface.name}: fetching again (attempt ${attempt}): ${describeError(error)}`),
    },
  );
}

async function openStore(config: ScanConfig, ctx: PipelineContext): Promise<ScanStoreWriter> {
  if (config.store.kind === 'sqlite') {
    const { openSqliteStore } = await import('./store-sqlite.js');
    return openSqliteStore(config.store.path);
  }
  const { openInfluxStore } = await import('./store-influx.js');
  const { url, database, user, password } = config.store;
  return openInfluxStore({ url: url!, database: database!, user, password }, config.request_timeout * 1000, ctx.signal);
}

// The layers stopped because their first answers refused the credentials, each with the one error that says so.
function refusedLayers(config: ScanConfig, process: string, interfaces: Interface[], collected: Map<Interface, Collected>, probes: Map<string, CredentialsProbe>): Map<string, string> {
  const refused = new Map<string, string>();
  for (const [layer, probe] of probes) {
    if (!probe.stopped) continue;
    const mine = interfaces.filter((i) => i.layer === layer);
    const size = { collected: mine.filter((i) => collected.has(i)).length, total: mine.length };
    const message = refusedMessage(layer, probe.refusals, config.credentials !== undefined);
    refused.set(layer, `process "${process}": ${message}; the layer was stopped, ${size.collected} of its ${size.total} interfaces collected`);
  }
  return refused;
}

// Per layer: every interface collected, and how many samples of the day came in. A layer stopped for refused
// credentials says that, not the name of each interface it did not collect.
function completeness(layers: string[], interfaces: Interface[], collected: Map<Interface, Collected>, failed: Map<Interface, string>, refused: Map<string, string>, day: Day): IntegrityCheck[] {
  return layers.flatMap((layer) => {
    const mine = interfaces.filter((i) => i.layer === layer);
    if (mine.length === 0) return [];
    const down = mine.filter((i) => failed.has(i));
    const samples = mine.reduce((n, i) => n + (collected.get(i)?.summary.samples ?? 0), 0);
    const expected = mine.length * day.expectedSamples;
    const stopped = refused.get(layer);
    const check: IntegrityCheck = { name: `completeness ${layer}`, ok: down.length === 0 && !stopped, expected, actual: samples, missing: expected - samples };
    if (stopped) check.detail = stopped.replace(/^process "[^"]*": /, '');
    else if (down.length) check.detail = `${down.length} of ${mine.length} interfaces of ${layer} failed: ${down.map((i) => `${i.name} (${failed.get(i)})`).join('; ')}`;
    return [check];
  });
}

