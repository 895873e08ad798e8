import { InvalidArgumentError, Option, type Command } from 'commander';
import { isTimeZone } from '../lib/time-zone.js';

export interface ServeArgs {
  command: 'serve';
  host: string;
  port: number;
  tokenFile?: string;
  state: string;
  logDir: string;
  scanDb: string;
  /** The process files, for the next-run times. */
  config: string;
  timezone: string;
}

// `main serve`: the read-only web console, its JSON API and /metrics.
export function addServeCommand(program: Command, onParsed: (args: ServeArgs) => void): void {
  program
    .command('serve')
    .description('read-only web console of the state store (runs, processes, their logs), its JSON API (/api/v1/…) and /metrics; SIGINT/SIGTERM stops')
    // Loopback unless asked: another address needs a token.
    .addOption(new Option('--host <address>', 'address to listen on; any but 127.0.0.1 or ::1 needs a token').default('127.0.0.1'))
    .addOption(new Option('--port <port>', 'TCP port (0: any free port, printed at start)').default(8080).argParser(port))
    .addOption(new Option('--token-file <file>', 'file holding the token every request must carry (default: the SAT_CONSOLE_TOKEN environment variable)'))
    .addOption(new Option('--state <file>', 'SQLite state store').default('./data/state.db'))
    .addOption(new Option('--log-dir <dir>', 'folder of the JSON-lines log, for the log lines of each run').default('./data/logs'))
    .addOption(new Option('--scan-db <file>', 'the SQLite of the scan kind (its store.path), for the traffic charts').default('./data/scan.db'))
    .addOption(new Option('-c, --config <path>', 'folder of process files, or one process file: when each process runs next').default('./config'))
    .addOption(new Option('--timezone <zone>', 'the zone of schedules that name none').default(Intl.DateTimeFormat().resolvedOptions().timeZone).argParser(zone))
    .action((o) => onParsed({ command: 'serve', host: o.host, port: o.port, tokenFile: o.tokenFile, state: o.state, logDir: o.logDir, scanDb: o.scanDb, config: o.config, timezone: o.timezone }));
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError(`expected --port to be a whole number from 0 to 65535, got "${value}"`);
  return n;
}

function zone(value: string): string {
  if (!isTimeZone(value)) throw new InvalidArgumentError(`expected --timezone to be an IANA time zone such as "Europe/Madrid", got "${value}"`);
  return value;
}
