import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseDuration } from '../lib/duration.js';

// Where `main adatrap …` takes its region and keys from: a process (`--process`, its storage and run), or a
// region with the AWS default chain (environment, ~/.aws, an instance role).
export interface AwsTarget {
  process?: string;
  config: string;
  region?: string;
}

export type AdatrapArgs = AwsTarget & { command: 'adatrap' } & (
    | { action: 'keypair-create'; name: string; file?: string }
    | { action: 'instances'; all: boolean; json: boolean }
    | { action: 'stop'; id: string }
    | { action: 'reap'; olderThan: number; dryRun: boolean }
    | { action: 'logs'; stream: string; logGroup?: string; since: number; until?: number; output?: string; follow: boolean }
    | { action: 'remote'; definition: string; process: string; runId: string; date: string; result: string; instanceId?: string }
  );

const HELP = `
Region and keys: --process NAME takes them from that adatrap process in --config (its run.region or
storage.region, and storage.credentials when it has them); --region REGION uses the AWS default chain
(environment, ~/.aws, an instance role). Instances are this product's when tagged sysadmintoolkit:process.`;

// The adatrap kind's EC2 and CloudWatch Logs chores, and `remote`, what an instance runs.
export function addAdatrapCommands(program: Command, onParsed: (args: AdatrapArgs) => void): void {
  const adatrap = program.command('adatrap').description('the adatrap kind on EC2: key pairs, instances, reaping, CloudWatch logs').addHelpText('after', HELP);
  const target = (c: Command) =>
    c
      .addOption(new Option('--process <name>', 'take the region and keys from this adatrap process'))
      .addOption(new Option('-c, --config <path>', 'folder of process files (or one process file), for --process').default('./config'))
      .addOption(new Option('--region <region>', 'the region, with the AWS default chain for keys'));
  const done = (o: Record<string, unknown>, rest: Record<string, unknown>) => onParsed({ command: 'adatrap', process: o.process as string | undefined, config: o.config as string, region: o.region as string | undefined, ...rest } as AdatrapArgs);

  const keypair = adatrap.command('keypair').description('EC2 key pairs, for SSH to an instance');
  target(keypair.command('create').description('create a key pair and write its private key to NAME.pem (mode 0600; an existing file is never overwritten)'))
    .argument('[name]', 'the key pair\'s name', 'sysadmintoolkit-adatrap')
    .addOption(new Option('-o, --output <file>', 'where the private key goes (default: ./NAME.pem)'))
    .action((name: string, o) => done(o, { action: 'keypair-create', name, file: o.output }));
  target(adatrap.command('instances').description('this product\'s instances: running, pending, stopping (--all: terminated too)'))
    .addOption(new Option('--all', 'terminated instances too (EC2 shows them for about an hour)'))
    .addOption(new Option('--json', 'print JSON'))
    .action((o) => done(o, { action: 'instances', all: Boolean(o.all), json: Boolean(o.json) }));
  target(adatrap.command('stop').description('terminate an instance this product launched, and wait until it is terminated'))
    .argument('<id>', 'the instance id (i-…)', instanceId)
    .action((id: string, o) => done(o, { action: 'stop', id }));
  target(adatrap.command('reap').description('terminate this product\'s instances launched longer ago than --older-than (lost by a crashed run)'))
    .addOption(new Option('--older-than <duration>', 'e.g. 6h, 90m, 2d').argParser(duration).makeOptionMandatory())
    .addOption(new Option('--dry-run', 'list them, terminate nothing'))
    .action((o) => done(o, { action: 'reap', olderThan: o.olderThan, dryRun: Boolean(o.dryRun) }));
  target(adatrap.command('logs').description('a CloudWatch Logs stream (an instance\'s is named by its id), every page, times in milliseconds'))
    .argument('<stream>', 'the log stream')
    .addOption(new Option('--log-group <group>', 'the log group (default: run.log_group of --process)'))
    .addOption(new Option('--since <time>', 'from this day (00:00 UTC) or ISO 8601 time').argParser(instant('--since', false)).makeOptionMandatory())
    .addOption(new Option('--until <time>', 'up to the end of this day (UTC) or this ISO 8601 time').argParser(instant('--until', true)))
    .addOption(new Option('-o, --output <file>', 'write the lines to a new file instead of stdout'))
    .addOption(new Option('--follow', 'keep reading new lines until interrupted'))
    .action((stream: string, o) => done(o, { action: 'logs', stream, logGroup: o.logGroup, since: o.since, until: o.until, output: o.output, follow: Boolean(o.follow) }));
  adatrap
    .command('remote', { hidden: true })
    .description('what an instance runs (its user data): the day of a definition, logs to CloudWatch Logs, the result to S3')
    .addOption(new Option('--definition <file>', 'the definition (JSON)').makeOptionMandatory())
    .addOption(new Option('--process <name>').makeOptionMandatory())
    .addOption(new Option('--run-id <id>').makeOptionMandatory())
    .addOption(new Option('--date <YYYY-MM-DD>').argParser(instantDay).makeOptionMandatory())
    .addOption(new Option('--result <s3url>', 's3://BUCKET/KEY for the outcome').makeOptionMandatory())
    .addOption(new Option('--instance-id <id>', 'default: from the instance metadata service (IMDSv2)').argParser(instanceId))
    .action((o) => onParsed({ command: 'adatrap', config: '', action: 'remote', definition: o.definition, process: o.process, runId: o.runId, date: o.date, result: o.result, instanceId: o.instanceId }));
}

function instanceId(value: string): string {
  if (!/^i-[0-9a-f]{8,17}$/.test(value)) throw new InvalidArgumentError(`expected an instance id such as "i-0abc1234def567890", got "${value}"`);
  return value;
}

// "6h", "90m", "2d", "1d12h", "3600s" or "3600": seconds.
export function duration(value: string): number {
  const s = parseDuration(value);
  if (!(s !== undefined && s > 0)) throw new InvalidArgumentError(`expected a duration such as 6h, 90m or 2d, got "${value}"`);
  return s;
}

function instantDay(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) throw new InvalidArgumentError(`expected a day as YYYY-MM-DD, got "${value}"`);
  return value;
}

// Milliseconds since the epoch: a day is its 00:00 UTC (or, for an end, the next day's: CloudWatch's end is exclusive).
export function instant(flag: string, end: boolean) {
  return (value: string): number => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      const ms = Date.parse(`${instantDay(value)}T00:00:00Z`);
      return end ? ms + 86_400_000 : ms;
    }
    const ms = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
    if (Number.isNaN(ms)) throw new InvalidArgumentError(`expected ${flag} to be a day (YYYY-MM-DD) or an ISO 8601 time such as 2021-04-22T10:00:00Z, got "${value}"`);
    return ms;
  };
}
