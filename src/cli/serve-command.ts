import { loadConfig } from '../config/index.js';
import { formatProblem } from '../config/problem.js';
import { startConsole } from '../console/server.js';
import type { Schedules } from '../console/processes-page.js';
import { kinds } from '../pipelines/registry.js';
import { plannedRuns } from './planned-runs.js';
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
    server = await startConsole({ host: args.host, port: args.port, statePath: args.state, logDir: args.logDir, scanDb: args.scanDb, schedules: () => schedules(args), token, onError: (message) => io.err(`main: ${message}`) });
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

// When each process of the config folder runs next, as `main next` says; why not, when the files do not load.
async function schedules(args: ServeArgs): Promise<Schedules> {
  const config = await loadConfig(args.config, kinds());
  if (config.problems.length) return { problem: `${formatProblem(config.problems[0]!)}${config.problems.length > 1 ? ` (and ${config.problems.length - 1} more problem(s): main --validate-only -c ${args.config} shows them)` : ''}` };
  return { planned: plannedRuns(config.processes, 1, args.timezone) };
}
