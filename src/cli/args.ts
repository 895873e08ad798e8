import { availableParallelism } from 'node:os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '../lib/duration.js';
import { isTimeZone } from '../lib/time-zone.js';
import { queueTarget } from '../queue/target.js';
import { addAdatrapCommands, type AdatrapArgs } from './adatrap-args.js';
import { addArchiveCommands, type ArchiveArgs } from './archive-args.js';
import { finishedStates, historyArgs, NEXT_COUNT, nextArgs, PROCESS_STATUSES, RUN_STATUSES, since, type HistoryArgs, type LogsOfArgs, type NextArgs, type QueueAdminArgs } from './view-args.js';
import { addServeCommand, type ServeArgs } from './serve-args.js';
import { UsageError } from './usage-error.js';
import { packageVersion } from './version.js';

export interface RunArgs {
  command: 'run';
  config: string;
  validateOnly: boolean;
  only?: string[];
  maxParallel: number;
  date?: string;
  /** With `to`: every day of the range, one run a day. */
  from?: string;
  to?: string;
  report?: string;
  json: boolean;
  state: string;
  logDir: string;
  verbose: boolean;
  /** Distributed mode: enqueue one job per process on this Redis and wait for the workers' results. */
  queue?: string;
  attempts: number;
  /** Seconds before the first retry of a failed job. */
  backoff: number;
}

// Where jobs go and how failed ones are tried again (main, schedule and logs serve with --queue).
export interface QueueArgs {
  queue?: string;
  attempts: number;
  backoff: number;
}

export interface WorkerArgs {
  command: 'worker';
  queue: string;
  concurrency: number;
  config: string;
  state: string;
  logDir: string;
  /** Seconds. */
  grace: number;
  /** Seconds without a lock renewal before a job counts as stalled. */
  stalledAfter: number;
  verbose: boolean;
}

export interface PruneArgs {
  command: 'prune';
  config: string;
  state: string;
  logDir: string;
  /** `logs serve`'s inbox, for its processed/ files. */
  inbox?: string;
  only?: string[];
  dryRun: boolean;
  json: boolean;
}

export interface QueueStatusArgs {
  command: 'queue-status';
  queue: string;
  json: boolean;
}

export interface LogsServeArgs extends QueueArgs {
  command: 'logs-serve';
  host: string;
  port: number;
  inbox: string;
  process: string;
  config: string;
  state: string;
  logDir: string;
  maxParallel: number;
  maxBytes: number;
  maxConnections: number;
  /** Seconds. */
  headerTimeout: number;
  /** Seconds. */
  idleTimeout: number;
  tokenFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  verbose: boolean;
}

export interface LogsSendArgs {
  command: 'logs-send';
  files: string[];
  host: string;
  port: number;
  tls: boolean;
  ca?: string;
  tokenFile?: string;
  retries: number;
  /** Seconds. */
  timeout: number;
  verbose: boolean;
}

export interface ScheduleArgs extends QueueArgs {
  command: 'schedule';
  config: string;
  state: string;
  logDir: string;
  maxParallel: number;
  timezone: string;
  /** Seconds. */
  grace: number;
  verbose: boolean;
}

export interface HealthArgs {
  command: 'health';
  state: string;
  /** Seconds. */
  maxAge: number;
}

export type Args = RunArgs | HistoryArgs | LogsOfArgs | NextArgs | QueueAdminArgs | ScheduleArgs | HealthArgs | WorkerArgs | QueueStatusArgs | LogsServeArgs | LogsSendArgs | AdatrapArgs | ArchiveArgs | PruneArgs | ServeArgs | { command: 'schema' } | { command: 'help'; text: string };

export { UsageError } from './usage-error.js';
export type { HistoryArgs, LogsOfArgs, NextArgs, QueueAdminArgs } from './view-args.js';

const DEFAULT_STATE = './data/state.db';

// The options several commands share, each defined once (a command may say what it means for it).
const configOption = (what = 'folder of process files, or one process file') => new Option('-c, --config <path>', what).default('./config');
const stateOption = (what = 'SQLite state store') => new Option('--state <file>', what).default(DEFAULT_STATE);
export const DEFAULT_LOG_DIR = './data/logs';
const logDirOption = () => new Option('--log-dir <dir>', 'folder of the JSON-lines log').default(DEFAULT_LOG_DIR);
const verboseOption = () => new Option('-v, --verbose', 'debug logging');
const maxParallelOption = (what: string, byDefault = availableParallelism()) => new Option('-p, --max-parallel <n>', what).default(byDefault).argParser(wholeNumber('--max-parallel', 1, 1024));
// --queue, or SAT_QUEUE_URL when the flag is not given (commander's help says so: "env: SAT_QUEUE_URL").
const QUEUE_ENV = 'SAT_QUEUE_URL';
const queueOption = (what: string) => new Option('--queue <url>', what).env(QUEUE_ENV);
const graceOption = (what: string) => new Option('--grace <duration>', what).default(60).argParser(wholeSeconds('--grace', 0, 86400));

// The options of `main`, as data, so that help, parsing and the README cannot disagree.
function options(): Option[] {
  return [
    configOption('folder of process files (*.yaml, *.yml), searched recursively, or one process file'),
    new Option('--validate-only', 'discover, parse, interpolate and validate; run nothing, connect to nothing'),
    new Option('--only <name...>', 'run only these processes (unknown name: exit 2)'),
    maxParallelOption('child processes at once'),
    new Option('--date <YYYY-MM-DD>', 'the day for date-driven pipelines (default: yesterday)').argParser(isoDate('--date')),
    new Option('--from <YYYY-MM-DD>', 'with --to: run every day of the range, one run a day (a job a day with --queue)').argParser(isoDate('--from')),
    new Option('--to <YYYY-MM-DD>', 'the last day of --from').argParser(isoDate('--to')),
    new Option('--report <file>', 'also write the JSON summary there'),
    new Option('--json', 'print the JSON summary on stdout instead of the table'),
    stateOption(),
    logDirOption(),
    verboseOption(),
    ...queueOptions(),
  ];
}

// --queue and its retries, for the commands that can run processes through the queue.
function queueOptions(): Option[] {
  return [
    queueOption('distributed mode: run each process as a job on this Redis (redis://host:6379[/db]; password: SAT_QUEUE_PASSWORD) for `main worker`s'),
    new Option('--attempts <n>', 'with --queue: tries per job, the first included (a failed process is tried again)').default(3).argParser(wholeNumber('--attempts', 1, 100)),
    new Option('--backoff <duration>', 'with --queue: delay before the first retry, doubled each time').default(30).argParser(wholeSeconds('--backoff', 0, 86400)),
  ];
}

export function buildProgram(onParsed: (args: Args) => void): Command {
  const program = new Command('main')
    .description('Run the backup and data pipelines declared in YAML process files.')
    .version(packageVersion(), '--version')
    .allowExcessArguments(false)
    .showSuggestionAfterError(true)
    // Options after a command (`history --json`) belong to that command.
    .enablePositionalOptions();
  for (const option of options()) program.addOption(option);
  program.action((o) => (checkDayRange(o), onParsed({ command: 'run', ...(o as Omit<RunArgs, 'command'>), validateOnly: Boolean(o.validateOnly), json: Boolean(o.json), verbose: Boolean(o.verbose), only: onlyNames(o.only) })));
  program
    .command('schema')
    .description('print the JSON Schema of a process file')
    .action(() => onParsed({ command: 'schema' }));
  program
    .command('history')
    .description('the last runs recorded in the state store; with RUN_ID, that run whole with its log lines')
    .argument('[RUN_ID]', 'a run id, or its start or end (…-3f2a)')
    .addOption(new Option('-n, --limit <N>', 'how many runs').default(10).argParser(wholeNumber('-n', 1, 100000)))
    .addOption(new Option('--process <name>', 'runs of this process (with RUN_ID: its log lines only)'))
    .addOption(new Option('--status <status>', `runs whose status is this (${RUN_STATUSES.join(', ')}); with --process, that process's (${PROCESS_STATUSES.join(', ')})`))
    .addOption(new Option('--since <when>', 'runs started since: a duration ago (7d, 12h, 30m) or a day (00:00 UTC) or an ISO 8601 time').argParser(since))
    .addOption(stateOption())
    .addOption(new Option('--log-dir <dir>', `with RUN_ID: folder of the JSON-lines log (default: "${DEFAULT_LOG_DIR}")`))
    .addOption(new Option('--json', 'print JSON'))
    .action((runId: string | undefined, o) => onParsed({ command: 'history', ...historyArgs(runId, o) }));
  program
    .command('logs-of')
    .description("a run's lines of the JSON-lines log; --follow: and new ones as they come, until the run has ended")
    .argument('<RUN_ID>', 'a run id, or its start or end (…-3f2a)')
    .addOption(new Option('--process <name>', "that process's lines only"))
    .addOption(new Option('-f, --follow', 'keep printing while the run goes on; stop once it has ended'))
    .addOption(new Option('--json', 'the lines as written (JSON lines)'))
    .addOption(stateOption())
    .addOption(logDirOption())
    .action((runId: string, o) => onParsed({ command: 'logs-of', runId, process: o.process, follow: Boolean(o.follow), json: Boolean(o.json), state: o.state, logDir: o.logDir }));
  const schedule = program
    .command('schedule')
    .description('stay up and run each enabled process at its `schedule`; SIGHUP reloads the process files, SIGTERM stops')
    .addOption(configOption())
    .addOption(stateOption('SQLite state store (shared by every scheduler that uses it)'))
    .addOption(logDirOption())
    .addOption(maxParallelOption('child processes at once, per run'))
    .addOption(timezoneOption())
    .addOption(graceOption('on SIGTERM, how long runs under way may take before they are stopped'))
    .addOption(verboseOption())
    .addOption(new Option('--list', 'print the next run times of each enabled process (as `main next`) and exit'))
    .addOption(countOption())
    .addOption(new Option('--json', 'with --list: print JSON'))
    .action((o) => {
      if (o.list) return onParsed(nextArgs(o));
      if (o.json || o.count !== undefined) throw new UsageError(`${o.json ? '--json' : '--count'} goes with --list: main schedule --list ${o.json ? '--json' : '--count N'}`);
      const { list: _, count: __, json: ___, ...rest } = o;
      onParsed({ command: 'schedule', ...(rest as Omit<ScheduleArgs, 'command'>), verbose: Boolean(o.verbose) });
    });
  for (const option of queueOptions()) schedule.addOption(option);
  program
    .command('next')
    .description('the next run times of each enabled process, in its zone, as `main schedule` runs them')
    .addOption(configOption())
    .addOption(timezoneOption())
    .addOption(countOption())
    .addOption(new Option('--json', 'print JSON'))
    .action((o) => onParsed(nextArgs(o)));
  program
    .command('prune')
    .description('delete the archives no `retention:` rule keeps, and what `housekeeping:` keeps no longer (--dry-run: only say what and why)')
    .addOption(configOption())
    .addOption(stateOption())
    .addOption(logDirOption())
    .addOption(new Option('--inbox <dir>', '`logs serve`\'s inbox: its processed/ files too (housekeeping `processed`)'))
    .addOption(new Option('--only <name...>', 'only these processes\' archives (no housekeeping; unknown name: exit 2)'))
    .addOption(new Option('--dry-run', 'delete nothing: print what would go and why, and which rule keeps each archive kept'))
    .addOption(new Option('--json', 'print JSON'))
    .action((o) => onParsed({ command: 'prune', config: o.config, state: o.state, logDir: o.logDir, ...(o.inbox ? { inbox: o.inbox } : {}), ...(o.only ? { only: onlyNames(o.only) } : {}), dryRun: Boolean(o.dryRun), json: Boolean(o.json) }));
  program
    .command('worker')
    .description('distributed mode: run jobs from the queue, each in a child process, with this machine\'s process files; SIGTERM stops')
    .addOption(queueOption('the Redis of the queue (redis://host:6379[/db]; password: SAT_QUEUE_PASSWORD)').makeOptionMandatory())
    .addOption(new Option('--concurrency <n>', 'jobs at once (each a child process)').default(availableParallelism()).argParser(wholeNumber('--concurrency', 1, 1024)))
    .addOption(configOption('folder of process files, or one process file: the same processes as the producer\'s'))
    .addOption(stateOption('SQLite state store (checkpoints of incremental processes)'))
    .addOption(logDirOption())
    .addOption(graceOption('on SIGTERM, how long running jobs may take before they are stopped and put back in the queue'))
    .addOption(new Option('--stalled-after <duration>', 'a job whose worker has not renewed its lock for this long is taken by another worker').default(30).argParser(wholeSeconds('--stalled-after', 1, 3600)))
    .addOption(verboseOption())
    .action((o) => onParsed({ command: 'worker', ...(o as Omit<WorkerArgs, 'command'>), verbose: Boolean(o.verbose) }));
  const queue = program.command('queue').description('distributed mode: the state of the queue, and what an operator does to it');
  const theQueue = () => queueOption('the Redis of the queue (password: SAT_QUEUE_PASSWORD)').makeOptionMandatory();
  queue
    .command('status')
    .description('jobs waiting, active, delayed, failed and completed; the workers connected; whether it is paused')
    .addOption(theQueue())
    .addOption(new Option('--json', 'print JSON'))
    .action((o) => onParsed({ command: 'queue-status', queue: o.queue, json: Boolean(o.json) }));
  const admin = (action: QueueAdminArgs['action'], o: Record<string, unknown>, jobIds?: string[]) =>
    onParsed({ command: 'queue-admin', action, queue: o.queue as string, jobIds, olderThan: (o.olderThan as number | undefined) ?? 0, states: finishedStates(o), json: Boolean(o.json) });
  queue
    .command('retry')
    .description('put failed jobs back in the queue (every one, or those named) and wait until each has ended; exit 1 when one fails again')
    .argument('[JOB_ID...]', 'the jobs (`main queue status` names them); default: every failed job')
    .addOption(theQueue())
    .addOption(new Option('--json', 'print JSON'))
    .action((ids: string[], o) => admin('retry', o, ids.length ? ids : undefined));
  queue
    .command('clean')
    .description('remove the completed and failed jobs that finished longer ago than --older-than')
    .addOption(theQueue())
    .addOption(new Option('--older-than <duration>', 'how long ago they finished (0: every one)').argParser(wholeSeconds('--older-than', 0, 10 * 365 * 86400)).makeOptionMandatory())
    .addOption(new Option('--completed', 'only the completed ones'))
    .addOption(new Option('--failed', 'only the failed ones'))
    .addOption(new Option('--json', 'print JSON'))
    .action((o) => admin('clean', o));
  queue
    .command('pause')
    .description('workers take no new job (those running go on) until `main queue resume`')
    .addOption(theQueue())
    .action((o) => admin('pause', o));
  queue
    .command('resume')
    .description('workers take jobs again after `main queue pause`')
    .addOption(theQueue())
    .action((o) => admin('resume', o));
  program
    .command('health')
    .description('exit 0 when a `main schedule` of this host has a recent heartbeat in the state store (a container HEALTHCHECK), 1 with the reason otherwise')
    .addOption(stateOption('SQLite state store (read only, never created)'))
    .addOption(new Option('--max-age <duration>', 'oldest heartbeat that still counts (the scheduler beats every 10 s)').default(60).argParser(wholeSeconds('--max-age', 1, 86400)))
    .action((o) => onParsed({ command: 'health', state: o.state, maxAge: o.maxAge }));
  const logs = program.command('logs').description('receive and send log files over TCP, for the logs kind');
  const serve = logs
    .command('serve')
    .description('receive log files into an inbox and hand each to a logs process (the token: LOGS_TOKEN or --token-file)');
  for (const option of [...serveOptions(), ...queueOptions()]) serve.addOption(option);
  serve.action((o) => onParsed({ command: 'logs-serve', ...(o as Omit<LogsServeArgs, 'command'>), verbose: Boolean(o.verbose) }));
  const send = logs
    .command('send')
    .description('send log files to a logs serve (the token: LOGS_TOKEN or --token-file)')
    .argument('<file...>', 'the files to send');
  for (const option of sendOptions()) send.addOption(option);
  send.action((files: string[], o) => onParsed({ command: 'logs-send', files, ...(o as Omit<LogsSendArgs, 'command' | 'files'>), tls: Boolean(o.tls), verbose: Boolean(o.verbose) }));
  addAdatrapCommands(program, onParsed);
  addArchiveCommands(program, onParsed);
  addServeCommand(program, onParsed);
  return program;
}

const timezoneOption = () => new Option('--timezone <zone>', 'the zone of schedules that name none').default(Intl.DateTimeFormat().resolvedOptions().timeZone).argParser(timeZone);
// No default in commander: `main schedule --count` without --list is refused; NEXT_COUNT when absent.
const countOption = () => new Option('--count <n>', `how many next run times of each process (default ${NEXT_COUNT})`).argParser(wholeNumber('--count', 1, 1000));


function serveOptions(): Option[] {
  return [
    new Option('--port <port>', 'TCP port to listen on (0: any free port, named in the log)').argParser(wholeNumber('--port', 0, 65535)).makeOptionMandatory(),
    // Loopback unless asked: a receiver of files should not face the network by accident.
    new Option('--host <address>', 'address to listen on (0.0.0.0: every IPv4 address, :: every address)').default('127.0.0.1'),
    new Option('--inbox <dir>', 'folder the received files are stored in').makeOptionMandatory(),
    new Option('--process <name>', 'the logs process each received file is handed to').makeOptionMandatory(),
    configOption(),
    new Option('--token-file <file>', 'file holding the shared token (default: the LOGS_TOKEN environment variable)'),
    new Option('--tls-cert <file>', 'serve TLS with this certificate (PEM), with --tls-key'),
    new Option('--tls-key <file>', 'the private key of --tls-cert (PEM)'),
    new Option('--max-bytes <size>', 'largest file accepted: bytes, or with K, M, G, T (powers of 1024)').default(10 * 1024 ** 3, '10G').argParser(byteSize('--max-bytes')),
    new Option('--max-connections <n>', 'transfers at once; more are answered E_BUSY').default(64).argParser(wholeNumber('--max-connections', 1, 100000)),
    maxParallelOption('hand-offs (child processes) at once', 2),
    new Option('--header-timeout <duration>', 'time a client has to send its header').default(10).argParser(positiveSeconds('--header-timeout')),
    new Option('--idle-timeout <duration>', 'silence in the middle of a file before the transfer is abandoned').default(30).argParser(positiveSeconds('--idle-timeout')),
    stateOption(),
    logDirOption(),
    verboseOption(),
  ];
}

function sendOptions(): Option[] {
  return [
    new Option('--host <host>', 'the server').makeOptionMandatory(),
    new Option('--port <port>', 'its port').argParser(wholeNumber('--port', 1, 65535)).makeOptionMandatory(),
    new Option('--tls', 'use TLS (the server runs with --tls-cert)'),
    new Option('--ca <file>', 'also trust this CA certificate (PEM) for --tls'),
    new Option('--token-file <file>', 'file holding the shared token (default: the LOGS_TOKEN environment variable)'),
    new Option('--retries <n>', 'new tries of a file after a failure that another try may cure').default(5).argParser(wholeNumber('--retries', 0, 100)),
    new Option('--timeout <duration>', 'no progress for this long fails a try').default(30).argParser(positiveSeconds('--timeout')),
    verboseOption(),
  ];
}

// Parse argv (without node and the script) into what to do; usage mistakes throw UsageError.
export function parseArgs(argv: readonly string[]): Args {
  let parsed: Args | undefined;
  let help = '';
  const program = buildProgram((args) => (parsed = args));
  const capture = { writeOut: (s: string) => (help += s), writeErr: (s: string) => (help += s), outputError: () => {} };
  program.exitOverride().configureOutput(capture);
  const configure = (command: Command): void => {
    for (const sub of command.commands) configure(sub.exitOverride().configureOutput(capture));
  };
  configure(program);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) return { command: 'help', text: help };
    // A command that needs a subcommand (`main logs`): its help, as a usage error.
    if (error instanceof CommanderError && error.code === 'commander.help') throw new UsageError(`a command is missing\n${help.trimEnd()}`);
    if (error instanceof CommanderError && error.code === 'commander.excessArguments') {
      const known = program.commands.map((c) => c.name()).join(', ');
      throw new UsageError(`unexpected argument; commands are: ${known} (see main --help)`);
    }
    if (error instanceof CommanderError) throw new UsageError(error.message.replace(/^error: /, ''));
    throw error;
  }
  if (!parsed) throw new UsageError('nothing to do');
  // `main --queue URL schedule`: the option went to `main`, not to the command, and would be ignored.
  if (parsed.command !== 'run' && parsed.command !== 'help' && program.getOptionValueSource('queue') === 'cli') {
    const name = parsed.command === 'queue-admin' ? `queue ${parsed.action}` : parsed.command.replace('-', ' ');
    const takes = ['schedule', 'worker', 'queue-status', 'queue-admin', 'logs-serve'].includes(parsed.command);
    throw new UsageError(takes ? `--queue goes after the command: main ${name} --queue URL` : `main ${name} takes no --queue`);
  }
  // Checked here, not by commander: commander's message would repeat the URL, and its password, as typed.
  // Commands that take no --queue have no queue either, whatever SAT_QUEUE_URL says.
  const queue = 'queue' in parsed ? parsed.queue : undefined;
  if (queue !== undefined) {
    try {
      queueTarget(queue);
    } catch (error) {
      const fromEnv = !argv.some((a) => a === '--queue' || a.startsWith('--queue='));
      throw new UsageError(fromEnv ? (error as Error).message.replace(/--queue/g, QUEUE_ENV) : (error as Error).message);
    }
  }
  return parsed;
}

function wholeNumber(flag: string, min: number, max: number) {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`expected ${flag} to be a whole number from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

// A duration flag (`--grace 2m`, `--idle-timeout 30s`, or seconds: `--grace 120`), as seconds: whole ones from
// `min` to `max`, or (positiveSeconds) any above 0 up to a day.
function wholeSeconds(flag: string, min: number, max: number) {
  return (value: string) => {
    const n = parseDuration(value);
    if (n === undefined || !Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected ${flag} to be a whole number from ${min} to ${max}, got "${value}" (seconds; or ${DURATION_FLAG_WORDS})`);
    return n;
  };
}

function positiveSeconds(flag: string) {
  return (value: string) => {
    const n = parseDuration(value);
    if (n === undefined || n <= 0 || n > 86400) throw new InvalidArgumentError(`expected ${flag} to be a number of seconds above 0 and at most 86400, got "${value}" (or ${DURATION_FLAG_WORDS})`);
    return n;
  };
}

const DURATION_FLAG_WORDS = 'a duration such as "30s", "5m", "1h" or "2h30m"';

const UNITS: Record<string, number> = { '': 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

// `500M`, `2G`, `1.5G`, `1048576`: powers of 1024; `KB`, `KiB` and `k` mean the same.
function byteSize(flag: string) {
  return (value: string) => {
    const m = /^(\d+(?:\.\d+)?)\s*([BKMGT]?)(?:i?B)?$/i.exec(value.trim());
    const bytes = m ? Math.floor(Number(m[1]) * UNITS[m[2]!.toUpperCase()]!) : NaN;
    if (!Number.isSafeInteger(bytes) || bytes < 1) throw new InvalidArgumentError(`expected ${flag} to be a size such as 500M or 2G, got "${value}"`);
    return bytes;
  };
}

function timeZone(value: string): string {
  if (!isTimeZone(value)) throw new InvalidArgumentError(`expected --timezone to be an IANA time zone such as "Europe/Madrid", got "${value}"`);
  return value;
}

const isoDate = (flag: string) => (value: string): string => {
  const d = new Date(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    throw new InvalidArgumentError(`expected ${flag} to be a day as YYYY-MM-DD, got "${value}"`);
  }
  return value;
};

// The most days one `--from … --to …` runs: a year, so that a typo in a year is not a decade of runs.
export const MAX_RANGE_DAYS = 366;

// --from and --to come together, in order, without --date, at most MAX_RANGE_DAYS days.
function checkDayRange(o: { date?: string; from?: string; to?: string }): void {
  if (o.from === undefined && o.to === undefined) return;
  if (o.from === undefined || o.to === undefined) throw new UsageError(`${o.from === undefined ? '--to' : '--from'} needs ${o.from === undefined ? '--from' : '--to'}: main --from 2021-04-01 --to 2021-04-30`);
  if (o.date !== undefined) throw new UsageError('--date and --from/--to cannot go together: --date is one day, --from/--to a range');
  if (o.from > o.to) throw new UsageError(`expected --from to be on or before --to, got --from ${o.from} --to ${o.to}`);
  const days = (Date.parse(`${o.to}T00:00:00Z`) - Date.parse(`${o.from}T00:00:00Z`)) / 86_400_000 + 1;
  if (days > MAX_RANGE_DAYS) throw new UsageError(`--from ${o.from} --to ${o.to} is ${days} days; at most ${MAX_RANGE_DAYS} at once`);
}

// `--only a b` and `--only a,b` both work; `--only ""` names nothing, and would otherwise run everything.
function onlyNames(values: string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const names = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError(`expected --only to name at least one process, got ${JSON.stringify(values.join(' '))}`);
  return names;
}
