import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeError, ErrorCode, errorCodeOf, PipelineError } from '../../core/errors.js';
import type { IntegrityCheck, PipelineContext, PipelineOutcome } from '../../core/pipeline.js';
import { describeExit, runProgram } from '../../lib/program.js';
import { copyInflux, verify } from './copy.js';
import { durationNs } from './duration.js';
import type { ItemCopy } from './item-copy.js';
import { rpcAddress, snapshotMisfits } from './method.js';
import { planSource } from './plan.js';
import type { InfluxCopyConfig } from './schema.js';
import { InfluxServer } from './server.js';
import { MAX_TIME, MIN_TIME } from './shards.js';

const RPC_TIMEOUT_MS = 5000;
// influxd backup and restore get this long to end after a stop (SIGTERM to their group, then SIGKILL).
const GRACE_MS = 5000;

// The copy by the configured method: http as before; snapshot by influxd backup and restore, failing when they
// cannot be used; auto by snapshot when it can be, else by http with a warning in the log and the summary.
export async function copyByMethod(config: InfluxCopyConfig, ctx: PipelineContext): Promise<PipelineOutcome> {
  const { method } = config.backup_config;
  if (method === 'http') return copyInflux(config, ctx);
  // Validation refuses snapshot where it does not fit; auto takes http there, saying why only in the log's info.
  const misfit = snapshotMisfits(config);
  if (misfit.length) ctx.log.info(`method "auto": copying over http, as snapshot cannot be used here: ${misfit.join('; ')}.`);
  const why = misfit.length ? undefined : await unavailable(config, ctx);
  if (!misfit.length && !why) return copyBySnapshot(config, ctx);
  if (why && method === 'snapshot') return { error: { code: why.code, message: `method "snapshot": ${why.message}; use method "http" (or "auto", which falls back to it)` } };
  if (why) ctx.log.warn(`method "auto": snapshot is unavailable (${why.message}); copying over http instead.`);
  const copied = await copyInflux(config, ctx);
  // The summary says so too, in a check that passes: it has no place for warnings.
  const detail = why ? `copied over http: snapshot is unavailable (${why.message})` : `copied over http: snapshot cannot be used here: ${misfit.join('; ')}`;
  const checks = [{ name: 'method', ok: true, detail }, ...(copied.integrity?.checks ?? [])];
  return { ...copied, integrity: { ok: checks.every((c) => c.ok), checks } };
}

// Why influxd backup and restore cannot run here, found before anything is written: no influxd program, an RPC port
// that does not answer, or a destination that already has the database (influxd restore refuses to write into one).
async function unavailable(config: InfluxCopyConfig, ctx: PipelineContext): Promise<{ code: string; message: string } | undefined> {
  const program = spawnSync('influxd', ['version'], { encoding: 'utf8', timeout: 10_000 });
  if (program.error) return { code: ErrorCode.Pipeline, message: `the influxd program cannot be run here (${describeError(program.error)}): install InfluxDB 1.x's influxd (Debian: apt-get install influxdb), which backup and restore use` };
  for (const [side, server] of [['source_server', config.source_server], ['destination_server', config.destination_server!]] as const) {
    const address = rpcAddress(server);
    const refused = await reachable(address, ctx.signal);
    if (refused) return { code: ErrorCode.InfluxRequest, message: `the ${side.replace('_server', '')}'s RPC port ${address} ${refused} (set ${side}.rpc to its bind-address in influxdb.conf, which must listen beyond 127.0.0.1 for another host)` };
  }
  const dst = new InfluxServer('destination', config.destination_server!, { timeoutMs: config.backup_config.timeout * 1000, retries: config.backup_config.retries, signal: ctx.signal });
  try {
    if ((await dst.databases()).includes(dst.database)) {
      return { code: ErrorCode.InfluxRejected, message: `the destination already has database "${dst.database}", and influxd restore writes only into a new one: drop it first for a fresh snapshot` };
    }
  } catch (error) {
    return { code: errorCodeOf(error), message: describeError(error) };
  } finally {
    dst.close();
  }
  return undefined;
}

// Undefined when a TCP connection opens, else what went wrong ("refused the connection (ECONNREFUSED)").
function reachable(address: string, signal: AbortSignal): Promise<string | undefined> {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(address.slice(colon + 1)), timeout: RPC_TIMEOUT_MS, signal });
    socket.once('connect', () => (socket.destroy(), resolve(undefined)));
    socket.once('timeout', () => (socket.destroy(), resolve(`did not answer within ${RPC_TIMEOUT_MS / 1000} s`)));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? 'refused the connection' : `cannot be reached (${error.code ?? error.message})`));
  });
}

// influxd backup -portable from the source, influxd restore -portable into the new destination database, through a
// temporary folder removed after; then the same checks as http.
async function copyBySnapshot(config: InfluxCopyConfig, ctx: PipelineContext): Promise<PipelineOutcome> {
  const { source_server: s, destination_server: d, backup_config: bc } = config;
  const rp = bc.retention_policies?.[0];
  const folder = await mkdtemp(join(tmpdir(), 'sat-influx-snapshot-'));
  const started = process.hrtime.bigint();
  const startedNs = BigInt(Date.now()) * 1_000_000n;
  try {
    const rpArgs = rp ? ['-rp', rp] : [];
    ctx.log.info(`Copying database "${s.database}"${rp ? ` (retention policy "${rp}")` : ''} to "${d!.database}" by snapshot: influxd backup -portable from ${rpcAddress(s)}, restore -portable into ${rpcAddress(d!)}.`);
    ctx.progress({ done: 0, total: 2, unit: 'steps', message: 'influxd backup' });
    await influxd(['backup', '-portable', '-host', rpcAddress(s), '-db', s.database, ...rpArgs, folder], ctx);
    const files = await readdir(folder);
    const bytes = (await Promise.all(files.map((f) => stat(join(folder, f))))).reduce((n, st) => n + st.size, 0);
    ctx.progress({ done: 1, total: 2, unit: 'steps', message: 'influxd restore' });
    await influxd(['restore', '-portable', '-host', rpcAddress(d!), '-db', s.database, '-newdb', d!.database, ...rpArgs, folder], ctx);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    ctx.progress({ done: 2, total: 2, unit: 'steps' });
    ctx.log.info(`Snapshot copied in ${seconds.toFixed(2)} s (${files.length} files, ${bytes} bytes).`);
    const note: IntegrityCheck = { name: 'method', ok: true, detail: `snapshot: influxd backup and restore -portable, ${files.length} files, ${bytes} bytes, ${seconds.toFixed(2)} s` };
    if (bc.validate_data === false) return { integrity: { ok: true, checks: [note] } };
    return await verifySnapshot(config, ctx, startedNs, note);
  } catch (error) {
    const code = ctx.signal.aborted ? ErrorCode.Interrupted : errorCodeOf(error);
    return { error: { code, message: describeError(ctx.signal.aborted ? ctx.signal.reason : error) } };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

async function influxd(args: string[], ctx: PipelineContext): Promise<void> {
  const label = `influxd ${args.slice(0, 2).join(' ')}`;
  ctx.log.debug(`Running influxd ${args.join(' ')}`);
  const outcome = await runProgram({ file: 'influxd', args, env: process.env, label, errorCode: ErrorCode.InfluxRequest }, ctx, GRACE_MS);
  if (outcome.exitCode !== 0) throw new PipelineError(ErrorCode.InfluxRequest, describeExit(label, outcome));
}

// Every selected measurement compared on both sides, as http's full copy does, over all time up to what had
// settled when the backup began (a live source's last `overlap` may still be taking late points).
async function verifySnapshot(config: InfluxCopyConfig, ctx: PipelineContext, startedNs: bigint, note: IntegrityCheck): Promise<PipelineOutcome> {
  const bc = config.backup_config;
  const stop = new AbortController();
  const onStop = () => stop.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onStop, { once: true });
  const options = { timeoutMs: bc.timeout * 1000, retries: bc.retries, signal: stop.signal, onRetry: (what: string, attempt: number, error: unknown) => ctx.log.warn(`Retrying ${what} (attempt ${attempt} of ${bc.retries}): ${describeError(error)}`) };
  const src = new InfluxServer('source', config.source_server, options);
  const dst = new InfluxServer('destination', config.destination_server!, options);
  try {
    const { items } = await planSource(src, bc, ctx);
    const settled = startedNs - durationNs(bc.overlap);
    const range = { from: MIN_TIME, to: settled < MAX_TIME + 1n ? settled : MAX_TIME + 1n };
    const copies: ItemCopy[] = items.map((item) => ({ item, stats: { read: 0, written: 0, rejected: 0 }, range, failures: [] }));
    const unverified: unknown[] = [];
    const checks = await verify(src, dst, copies, new Map(copies.map((c) => [c, range])), config, ctx, (error) => stop.abort(error), { verified: () => {}, differs: () => {}, unverified: (error) => unverified.push(error) });
    const all = [note, ...checks];
    const cannot = unverified.length ? { error: { code: errorCodeOf(unverified[0]), message: `${unverified.length} measurement(s) could not be verified: ${describeError(unverified[0])}` } } : {};
    return { integrity: { ok: all.every((c) => c.ok), checks: all }, ...cannot };
  } catch (error) {
    const code = ctx.signal.aborted ? ErrorCode.Interrupted : errorCodeOf(error);
    return { integrity: { ok: true, checks: [note] }, error: { code, message: `verifying the snapshot: ${describeError(ctx.signal.aborted ? ctx.signal.reason : error)}` } };
  } finally {
    ctx.signal.removeEventListener('abort', onStop);
    src.close();
    dst.close();
  }
}
