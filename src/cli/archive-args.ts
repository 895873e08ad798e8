import { InvalidArgumentError, Option, type Command } from 'commander';

// Where the archive is, when it is on S3 (s3://bucket/prefix): keys come from the AWS default chain.
interface S3Options {
  endpoint?: string;
  region?: string;
}

export interface RestoreArgs extends S3Options {
  command: 'restore';
  archive: string;
  to: string;
  database?: string;
  measurements?: string[];
  asOf?: Date;
  user?: string;
  verbose: boolean;
}

export interface CheckArgs extends S3Options {
  command: 'check';
  archive: string;
  readData: boolean;
  json: boolean;
}

export type ArchiveArgs = RestoreArgs | CheckArgs;

const s3Options = () => [
  new Option('--endpoint <url>', 'with s3://…: an S3-compatible store (addressed path-style); keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or the AWS default chain'),
  new Option('--region <region>', 'with s3://…: the bucket\'s region (default: AWS_REGION, else us-east-1)'),
];

// `main restore` and `main check`: bring an InfluxDB archive back, and prove one.
export function addArchiveCommands(program: Command, onParsed: (args: ArchiveArgs) => void): void {
  const restore = program
    .command('restore')
    .description('replay an influxdb-copy archive chain into an InfluxDB 1.x server, exactly, then verify it point by point; or write a scan/logs archive\'s databases, or extract a command archive\'s files, into a folder')
    .argument('<archive>', 'a folder of archives (the newest is restored), one archive\'s folder, or s3://bucket/prefix')
    .addOption(new Option('--to <url|dir>', 'the server to restore into (http://host:8086; a user there, or --user, and INFLUX_PASSWORD), or, for a scan, logs or command archive, a folder (nothing there is overwritten)').makeOptionMandatory())
    .addOption(new Option('--database <name>', 'the database to restore into (default: the archived one\'s name)'))
    .addOption(new Option('--measurements <glob...>', 'only these measurements (globs: * and ?)'))
    .addOption(new Option('--as-of <time>', 'the newest archive made at or before this time (RFC 3339, or a day: its end, UTC)').argParser(asOf))
    .addOption(new Option('--user <name>', 'the user on the server; the password from INFLUX_PASSWORD'));
  for (const option of s3Options()) restore.addOption(option);
  restore
    .addOption(new Option('-v, --verbose', 'say what is done, step by step'))
    .action((archive: string, o) => onParsed({ command: 'restore', archive, to: o.to, database: o.database, measurements: o.measurements, asOf: o.asOf, user: o.user, endpoint: o.endpoint, region: o.region, verbose: Boolean(o.verbose) }));
  const check = program
    .command('check')
    .description('verify archives: the manifest, every object there with its size, and with --read-data every checksum (exit 1 naming each object that fails)')
    .argument('<archive>', 'a folder of archives (each complete one is checked), one archive\'s folder, or s3://bucket/prefix')
    .addOption(new Option('--read-data', 'read every object whole: its points and checksum against the manifest'))
    .addOption(new Option('--json', 'print JSON'));
  for (const option of s3Options()) check.addOption(option);
  check.action((archive: string, o) => onParsed({ command: 'check', archive, readData: Boolean(o.readData), json: Boolean(o.json), endpoint: o.endpoint, region: o.region }));
}

function asOf(value: string): Date {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const time = day ? Date.parse(`${value}T23:59:59.999Z`) : /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(time)) throw new InvalidArgumentError(`expected --as-of to be an RFC 3339 time such as "2026-12-01T04:00:00Z" or a day such as 2026-12-01, got "${value}"`);
  return new Date(time);
}
