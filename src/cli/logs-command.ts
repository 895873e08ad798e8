import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createSecureContext } from 'node:tls';
import { type ProcessSpec } from '../core/process.js';
import { createLogging } from '../logging/logger.js';
import { Redactor } from '../logging/redact.js';
import { runProcesses } from '../orchestrator/run.js';
import { sendFile } from '../transfer/client.js';
import { TransferError } from '../transfer/errors.js';
import { Handoff } from '../transfer/handoff.js';
import { Inbox } from '../transfer/inbox.js';
import { ProgressBar } from '../transfer/progress.js';
import { checkName } from '../transfer/protocol.js';
import { megabytesPerSecond } from '../transfer/receive.js';
import { TransferServer } from '../transfer/server.js';
import { HOW_TO_SET_TOKEN, loadToken, TOKEN_VARIABLE } from '../transfer/token.js';
import { describeError } from '../core/errors.js';
import { UsageError, type LogsSendArgs, type LogsServeArgs } from './args.js';
import { openCommandContext } from './command-context.js';
import { daily, housekeep } from './housekeeping.js';
import type { Output } from './output.js';

/** Transfers under way when serve is asked to stop get this long to finish. */
const STOP_GRACE_MS = 5000;

// `main logs serve`: receive files into the inbox and hand each to a `logs` process, until SIGINT/SIGTERM.
export async function logsServeCommand(args: LogsServeArgs, io: Output): Promise<number> {
  const token = await requireToken(args.tokenFile);
  const tls = await readTlsFiles(args);
  let spec: ProcessSpec | undefined;
  const ctx = await openCommandContext(args, io, {
    refusal: 'Not serving',
    check(config) {
      spec = logsProcess(config.processes, args.process, args.config);
      // The hand-offs' child processes inherit the environment: the token stays in this process only.
      delete process.env[TOKEN_VARIABLE];
    },
    secrets: [token],
    reportLostLines: true,
  });
  if (!ctx || !spec) return 2;
  const { log, logging, redactor, store } = ctx;
  try {
    const { inbox, removedPartials } = await Inbox.open(args.inbox).catch((error: Error) => {
      throw new UsageError(`cannot use the inbox "${args.inbox}": ${error.message}`);
    });
    if (removedPartials.length) log.warn(`Deleted ${removedPartials.length} temporary file(s) an earlier serve left in ${inbox.partialDir}.`);
    // With --queue, any worker ingests a received file: it must see the inbox at the same path (a shared folder).
    const executor = await ctx.openQueue(args);
    const housekeeping = daily(() => housekeep(ctx, args, ctx.config.processes, args.inbox));
    const interruption = ctx.listen({ stopping: 'no new files; finishing the transfers under way and the running hand-offs (send it again to kill them now)', killing: 'killing the running hand-offs now' });
    const handoff = new Handoff({
      spec,
      inbox,
      log,
      maxParallel: args.maxParallel,
      stop: interruption.stop,
      // A file received while another is processed as the same process waits its turn (never two runs at once).
      run: async (specs) => {
        const summary = await runProcesses(specs, { configDir: args.config, maxParallel: 1, logging, redactor, store, interruption, executor, lock: { wait: true, self: 'this server' } });
        housekeeping.afterRun();
        return summary;
      },
    });
    let server: TransferServer;
    try {
      server = await TransferServer.start({
        host: args.host,
        port: args.port,
        inbox,
        token,
        tls,
        log,
        maxBytes: args.maxBytes,
        maxConnections: args.maxConnections,
        headerTimeoutMs: args.headerTimeout * 1000,
        idleTimeoutMs: args.idleTimeout * 1000,
        onStored: (file) => handoff.enqueue(file.path),
      });
    } catch (error) {
      log.error(`Cannot listen on ${args.host}:${args.port}: ${(error as NodeJS.ErrnoException).code ?? describeError(error)}.`);
      return 1;
    }
    const { host, port } = server.address;
    log.info(`Listening on ${host.includes(':') ? `[${host}]` : host}:${port} (TLS ${tls ? 'on' : 'off'}), inbox ${args.inbox}, process ${spec.name}.`);
    for (const path of await waitingFiles(inbox, log)) handoff.enqueue(path);
    await new Promise((resolve) => (interruption.stop.aborted ? resolve(undefined) : interruption.stop.addEventListener('abort', resolve, { once: true })));
    await server.close(STOP_GRACE_MS);
    await handoff.idle();
    await housekeeping.idle();
    log.info('Stopped.');
    return 0;
  } finally {
    await ctx.close();
  }
}

// `main logs send FILE…`: each file until acknowledged, one after the other; exit 1 unless every one was.
export async function logsSendCommand(args: LogsSendArgs, io: Output): Promise<number> {
  const token = await requireToken(args.tokenFile);
  const ca = args.ca === undefined ? undefined : await readFile(args.ca).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read the CA certificate "${args.ca}": ${error.code ?? error.message}`);
  });
  if (ca && !args.tls) throw new UsageError('--ca is for TLS: add --tls');
  const redactor = new Redactor();
  redactor.add([token]);
  const log = createLogging({ level: args.verbose ? 'debug' : 'info', color: io.color, redactor }).root;
  const terminal = process.stderr.isTTY ? process.stderr : undefined;
  let failed = 0;
  for (const file of args.files) {
    const bar = new ProgressBar(terminal, file);
    try {
      const sent = await sendFile(file, {
        host: args.host,
        port: args.port,
        token,
        tls: args.tls ? { ca } : undefined,
        timeoutMs: args.timeout * 1000,
        retries: args.retries,
        onProgress: (done, total) => bar.update(done, total),
        onRetry: (attempt, error, delayMs) => {
          bar.finish();
          log.warn(`Sending ${file} failed: ${error.code}: ${error.message}; try ${attempt + 1} of ${args.retries + 1} in ${(delayMs / 1000).toFixed(1)} s.`);
        },
      });
      bar.finish();
      if (sent.duplicate) log.info(`${file}: the server has it already, as ${sent.stored}; nothing sent.`);
      else log.info(`Sent ${file} (${sent.bytes} bytes, ${megabytesPerSecond(sent.bytes, sent.seconds)} MB/s): stored as ${sent.stored}.`);
    } catch (error) {
      bar.finish();
      failed++;
      const code = error instanceof TransferError ? `${error.code}: ` : '';
      log.error(`Could not send ${file}: ${code}${describeError(error)}`);
    }
  }
  if (failed) log.error(`${failed} of ${args.files.length} file(s) not acknowledged by ${args.host}:${args.port}.`);
  return failed ? 1 : 0;
}

// Files left in the inbox (a crash between acknowledgement and hand-off, a failed run): handed off again, except
// a name the logs process would read as a wildcard pattern (a file put there by hand).
async function waitingFiles(inbox: Inbox, log: { info(m: string): void; warn(m: string): void }): Promise<string[]> {
  const waiting: string[] = [];
  for (const path of await inbox.waiting()) {
    const problem = checkName(basename(path));
    if (problem) log.warn(`Leaving ${path} alone: ${problem}.`);
    else waiting.push(path);
  }
  if (waiting.length) log.info(`${waiting.length} file(s) from before are waiting in the inbox: handing them off.`);
  return waiting;
}

const MIN_TOKEN_LENGTH = 16;

async function requireToken(tokenFile: string | undefined): Promise<string> {
  let token: string | undefined;
  try {
    token = await loadToken(tokenFile);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (token === undefined) throw new UsageError(`no token: ${HOW_TO_SET_TOKEN}`);
  // A short token is easy to guess, and masking it in the logs would blank out ordinary words.
  if (token.length < MIN_TOKEN_LENGTH) throw new UsageError(`the token has ${token.length} characters; use at least ${MIN_TOKEN_LENGTH} (openssl rand -hex 24 makes one)`);
  return token;
}

async function readTlsFiles(args: LogsServeArgs): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  if (args.tlsCert === undefined && args.tlsKey === undefined) return undefined;
  if (args.tlsCert === undefined || args.tlsKey === undefined) throw new UsageError('TLS needs both --tls-cert and --tls-key');
  const read = (flag: string, file: string) =>
    readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read ${flag} "${file}": ${error.code ?? error.message}`);
    });
  const files = { cert: await read('--tls-cert', args.tlsCert), key: await read('--tls-key', args.tlsKey) };
  try {
    createSecureContext(files);
  } catch (error) {
    throw new UsageError(`cannot use --tls-cert "${args.tlsCert}" with --tls-key "${args.tlsKey}": ${(error as Error).message}`);
  }
  return files;
}

// The process --process names, which must be of the `logs` kind.
function logsProcess(processes: ProcessSpec[], name: string, dir: string): ProcessSpec {
  const candidates = processes.filter((p) => p.type === 'logs').map((p) => p.name);
  const known = candidates.length ? `the logs processes in ${dir}: ${candidates.join(', ')}` : `${dir} has no process of type logs`;
  const spec = processes.find((p) => p.name === name);
  if (!spec) throw new UsageError(`unknown process "${name}" in --process; ${known}`);
  if (spec.type !== 'logs') throw new UsageError(`process "${name}" is of type ${spec.type}, and --process needs a process of type logs; ${known}`);
  return spec;
}

