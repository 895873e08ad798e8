import { startConsole } from '../console/server.js';
import { HOW_TO_SET_TOKEN, isLoopback, loadToken, MIN_TOKEN_LENGTH, TOKEN_VARIABLE } from '../console/access.js';
import { CommandExit } from './command-exit.js';
import type { Output } from './output.js';
import type { ServeArgs } from './serve-args.js';
import { UsageError } from './usage-error.js';

// `main serve`: the console until SIGINT or SIGTERM, then exit 0. Refuses to face the network without a token.
export async function serveCommand(args: ServeArgs, io: Output): Promise<number> {
  const token = await requireToken(args);
  let server: Awaited<ReturnType<typeof startConsole>>;
  try {
    server = await startConsole({ host: args.host, port: args.port, statePath: args.state, logDir: args.logDir, scanDb: args.scanDb, token, onError: (message) => io.err(`main: ${message}`) });
  } catch (error) {
    throw new CommandExit(1, `cannot listen on ${args.host}:${args.port}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  io.err(`main: console at ${server.url} (state ${args.state}, log ${args.logDir}${token ? ', token required' : ''}); SIGINT or SIGTERM stops it.`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => resolve(s));
  });
  await server.close();
  io.err(`main: console stopped (${signal}).`);
  return 0;
}

async function requireToken(args: ServeArgs): Promise<string | undefined> {
  let token: string | undefined;
  try {
    token = await loadToken(args.tokenFile);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  // The token stays in this process: nothing started from here needs it.
  delete process.env[TOKEN_VARIABLE];
  if (token === undefined) {
    if (isLoopback(args.host)) return undefined;
    throw new UsageError(`serving on ${args.host} needs a token, since anyone who reaches that address could read the console: ${HOW_TO_SET_TOKEN} (openssl rand -hex 24 makes one), or serve on 127.0.0.1`);
  }
  // A short token is easy to guess.
  if (token.length < MIN_TOKEN_LENGTH) throw new UsageError(`the token has ${token.length} characters; use at least ${MIN_TOKEN_LENGTH} (openssl rand -hex 24 makes one)`);
  return token;
}
