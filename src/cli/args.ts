import { availableParallelism } from 'node:os';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { packageVersion } from './version.js';

export interface RunArgs {
  command: 'run';
  config: string;
  validateOnly: boolean;
  only?: string[];
  maxParallel: number;
  date?: string;
  report?: string;
  json: boolean;
  state: string;
  logDir: string;
  verbose: boolean;
}

export interface HistoryArgs {
  command: 'history';
  limit: number;
  state: string;
  json: boolean;
}

export type Args = RunArgs | HistoryArgs | { command: 'schema' } | { command: 'help'; text: string };

// A mistake on the command line: exit 2, nothing runs.
export class UsageError extends Error {
  override name = 'UsageError';
}

const DEFAULT_STATE = './data/state.db';

// The options of `main`, as data, so that help, parsing and the README cannot disagree.
function options(): Option[] {
  return [
    new Option('-c, --config <dir>', 'folder of process files (*.yaml, *.yml), searched recursively').default('./config'),
    new Option('--validate-only', 'discover, parse, interpolate and validate; run nothing, connect to nothing'),
    new Option('--only <name...>', 'run only these processes (unknown name: exit 2)'),
    new Option('-p, --max-parallel <n>', 'child processes at once').default(availableParallelism()).argParser(wholeNumber('--max-parallel', 1, 1024)),
    new Option('--date <YYYY-MM-DD>', 'the day for date-driven pipelines (default: yesterday)').argParser(isoDate),
    new Option('--report <file>', 'also write the JSON summary there'),
    new Option('--json', 'print the JSON summary on stdout instead of the table'),
    new Option('--state <file>', 'SQLite state store').default(DEFAULT_STATE),
    new Option('--log-dir <dir>', 'folder of the JSON-lines log').default('./data/logs'),
    new Option('-v, --verbose', 'debug logging'),
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
  program.action((o) => onParsed({ command: 'run', ...(o as Omit<RunArgs, 'command'>), validateOnly: Boolean(o.validateOnly), json: Boolean(o.json), verbose: Boolean(o.verbose), only: splitNames(o.only) }));
  program
    .command('schema')
    .description('print the JSON Schema of a process file')
    .action(() => onParsed({ command: 'schema' }));
  program
    .command('history')
    .description('the last runs recorded in the state store')
    .addOption(new Option('-n, --limit <N>', 'how many runs').default(10).argParser(wholeNumber('-n', 1, 100000)))
    .addOption(new Option('--state <file>', 'SQLite state store').default(DEFAULT_STATE))
    .addOption(new Option('--json', 'print JSON'))
    .action((o) => onParsed({ command: 'history', limit: o.limit, state: o.state, json: Boolean(o.json) }));
  return program;
}

// Parse argv (without node and the script) into what to do; usage mistakes throw UsageError.
export function parseArgs(argv: readonly string[]): Args {
  let parsed: Args | undefined;
  let help = '';
  const program = buildProgram((args) => (parsed = args));
  const capture = { writeOut: (s: string) => (help += s), writeErr: (s: string) => (help += s), outputError: () => {} };
  program.exitOverride().configureOutput(capture);
  for (const sub of program.commands) sub.exitOverride().configureOutput(capture);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) return { command: 'help', text: help };
    if (error instanceof CommanderError && error.code === 'commander.excessArguments') {
      const known = program.commands.map((c) => c.name()).join(', ');
      throw new UsageError(`unexpected argument; commands are: ${known} (see main --help)`);
    }
    if (error instanceof CommanderError) throw new UsageError(error.message.replace(/^error: /, ''));
    throw error;
  }
  if (!parsed) throw new UsageError('nothing to do');
  return parsed;
}

function wholeNumber(flag: string, min: number, max: number) {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`expected ${flag} to be a whole number from ${min} to ${max}, got "${value}"`);
    return n;
  };
}

function isoDate(value: string): string {
  const d = new Date(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) {
    throw new InvalidArgumentError(`expected --date to be a day as YYYY-MM-DD, got "${value}"`);
  }
  return value;
}

// `--only a b` and `--only a,b` both work.
function splitNames(values: string[] | undefined): string[] | undefined {
  return values?.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}
