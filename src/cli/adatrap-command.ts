import { createWriteStream, type WriteStream } from 'node:fs';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { loadConfig } from '../config/index.js';
import { describeError } from '../core/errors.js';
import { accessOf, awsReason, ec2Client, logsClient, type AwsAccess } from '../pipelines/adatrap/ec2/clients.js';
import { describeInstance, listOurInstances, pause, terminateAndConfirm, type InstanceView } from '../pipelines/adatrap/ec2/instances.js';
import { createKeyPairFile } from '../pipelines/adatrap/ec2/keypair.js';
import { readNewEvents } from '../pipelines/adatrap/ec2/log-reader.js';
import { runRemote } from '../pipelines/adatrap/ec2/remote.js';
import type { AdatrapConfig } from '../pipelines/adatrap/schema.js';
import { kinds } from '../pipelines/registry.js';
import type { AdatrapArgs } from './adatrap-args.js';
import { CommandExit } from './command-exit.js';
import type { Output } from './output.js';
import { refused } from './process-files.js';
import { renderTable, seconds } from './table.js';
import { UsageError } from './usage-error.js';

// What tests change: how often a terminated instance is looked at, and what stops `logs --follow`.
export interface AdatrapDeps {
  pollMs?: number;
  signal?: AbortSignal;
}

const CONFIRM_MS = 5 * 60_000;
const FOLLOW_EVERY_MS = 2000;

// `main adatrap …`: the EC2 and CloudWatch Logs chores of the adatrap kind (the AWS SDK loads with this file
// only), and `remote`, what an instance runs. AWS's answers are said in one line; no request (signed) is shown.
export async function adatrapCommand(args: AdatrapArgs, io: Output, deps: AdatrapDeps = {}): Promise<number> {
  if (args.action === 'remote') {
    const { action: _a, command: _c, config: _f, region: _r, date, ...rest } = args;
    return runRemote({ ...rest, day: date }, (line) => io.out(`${line}\n`)).catch((error) => {
      throw new CommandExit(1, `adatrap remote: ${describeError(error)}`);
    });
  }
  const target = await awsTarget(args, io);
  try {
    switch (args.action) {
      case 'keypair-create': {
        const file = args.file ?? `${args.name}.pem`;
        const made = await createKeyPairFile(ec2Client(target.access), args.name, file).catch((error) => {
          throw new CommandExit(1, describeError(error));
        });
        io.out(`Key pair "${args.name}" created in ${target.access.region}${made.fingerprint ? ` (fingerprint ${made.fingerprint})` : ''}; its private key is in ${file} (mode 0600). Name it in run.key_name.\n`);
        return 0;
      }
      case 'instances':
        return printInstances(await listOurInstances(ec2Client(target.access), { all: args.all }), args.json, io);
      case 'stop':
        return await stop(ec2Client(target.access), args.id, io, deps.pollMs ?? 5000);
      case 'reap':
        return await reap(ec2Client(target.access), args.olderThan, args.dryRun, io, deps.pollMs ?? 5000);
      case 'logs':
        return await logs(args, target, io, deps.signal);
    }
  } catch (error) {
    if (error instanceof CommandExit || error instanceof UsageError) throw error;
    throw new CommandExit(1, `${target.access.region}: ${awsReason(error)}`);
  }
}

interface Target {
  access: AwsAccess;
  logGroup?: string;
}

// --process NAME (its region and keys, and its log group), or --region with the AWS default chain.
async function awsTarget(args: AdatrapArgs, io: Output): Promise<Target> {
  if (args.process !== undefined && args.region !== undefined) throw new UsageError('give --process or --region, not both');
  if (args.region !== undefined) return { access: { region: args.region, retries: 4 } };
  if (args.process === undefined) throw new UsageError('say where: --process NAME (an adatrap process in --config: its region and keys) or --region REGION (the AWS default chain)');
  const loaded = await loadConfig(args.config, kinds());
  if (refused(loaded, args.config, io, 'Nothing was done')) throw new CommandExit(2, `the process files in ${args.config} have problems`);
  const adatrap = loaded.processes.filter((p) => p.type === 'adatrap').map((p) => p.name);
  const spec = loaded.processes.find((p) => p.name === args.process);
  const known = adatrap.length ? `the adatrap processes in ${args.config}: ${adatrap.join(', ')}` : `${args.config} has no process of type adatrap`;
  if (!spec) throw new UsageError(`unknown process "${args.process}" in --process; ${known}`);
  if (spec.type !== 'adatrap') throw new UsageError(`process "${args.process}" is of type ${spec.type}, and --process needs a process of type adatrap; ${known}`);
  const config = spec.config as unknown as AdatrapConfig;
  const run = config.run.where === 'ec2' ? config.run : undefined;
  return { access: accessOf(config.storage, run ?? {}), ...(run ? { logGroup: run.log_group } : {}) };
}

function printInstances(found: InstanceView[], json: boolean, io: Output): number {
  if (json) {
    io.out(`${JSON.stringify(found, null, 2)}\n`);
    return 0;
  }
  if (!found.length) {
    io.out('No instances of this product.\n');
    return 0;
  }
  const rows = found.map((i) => [i.id, i.state, i.launchedAt?.toISOString() ?? '-', i.launchedAt ? seconds(Date.now() - i.launchedAt.getTime()) : '-', i.process ?? '-', i.day ?? '-', i.runId ?? '-']);
  io.out(`${renderTable(['INSTANCE', 'STATE', 'LAUNCHED', 'AGE', 'PROCESS', 'DAY', 'RUN'], rows)}\n`);
  return 0;
}

// Only an instance this product launched: another's is refused, named.
async function stop(ec2: EC2Client, id: string, io: Output, pollMs: number): Promise<number> {
  const view = await describeInstance(ec2, id);
  if (!view) throw new CommandExit(1, `instance ${id} not found`);
  if (view.process === undefined) throw new CommandExit(1, `instance ${id} was not launched by this product (no sysadmintoolkit:process tag); it is left alone`);
  const state = await terminateAndConfirm(ec2, id, { waitMs: CONFIRM_MS, pollMs });
  io.out(`Instance ${id} (process ${view.process}, day ${view.day ?? '?'}): ${state}.\n`);
  return state === 'terminated' ? 0 : 1;
}

async function reap(ec2: EC2Client, olderThan: number, dryRun: boolean, io: Output, pollMs: number): Promise<number> {
  const before = Date.now() - olderThan * 1000;
  const lost = (await listOurInstances(ec2, { all: false })).filter((i) => i.state !== 'shutting-down' && i.launchedAt && i.launchedAt.getTime() < before);
  if (!lost.length) {
    io.out(`No instance of this product launched more than ${seconds(olderThan * 1000)} ago.\n`);
    return 0;
  }
  let failed = 0;
  for (const i of lost) {
    const what = `${i.id} (process ${i.process ?? '?'}, day ${i.day ?? '?'}, run ${i.runId ?? '?'}, launched ${i.launchedAt!.toISOString()}, ${i.state})`;
    if (dryRun) {
      io.out(`Would terminate ${what}.\n`);
      continue;
    }
    const state = await terminateAndConfirm(ec2, i.id, { waitMs: CONFIRM_MS, pollMs }).catch((error) => `not terminated: ${awsReason(error)}`);
    if (state !== 'terminated') failed++;
    io.out(`${state === 'terminated' ? 'Terminated' : 'Could not confirm'} ${what}${state === 'terminated' ? '' : `: ${state}`}.\n`);
  }
  return failed ? 1 : 0;
}

// Every page of the stream between --since and --until, "ISO-time message" a line; --follow then polls.
async function logs(args: Extract<AdatrapArgs, { action: 'logs' }>, target: Target, io: Output, stopSignal?: AbortSignal): Promise<number> {
  const group = args.logGroup ?? target.logGroup;
  if (!group) throw new UsageError('name the log group: --log-group GROUP, or --process NAME of an adatrap process that runs where: ec2');
  if (args.until !== undefined && args.until <= args.since) throw new UsageError('expected --until to be later than --since');
  let file: WriteStream | undefined;
  if (args.output) {
    file = createWriteStream(args.output, { flags: 'wx' });
    await new Promise<void>((resolve, reject) => file!.once('open', () => resolve()).once('error', (e: NodeJS.ErrnoException) => reject(new CommandExit(1, e.code === 'EEXIST' ? `${args.output} exists already; it is not overwritten` : `cannot create ${args.output}: ${e.code ?? e.message}`))));
  }
  const write = (text: string) => (file ? void file.write(text) : io.out(text));
  const client = logsClient(target.access);
  const position = { group, stream: args.stream, startTime: args.since, ...(args.until !== undefined ? { endTime: args.until } : {}) };
  const signal = stopSignal ?? interruptSignal();
  let count = 0;
  try {
    do {
      count += await readNewEvents(client, position, (e) => write(`${new Date(e.timestamp).toISOString()} ${e.message}\n`), signal).catch((error) => {
        if (signal.aborted) return 0;
        throw error;
      });
      if (args.follow) await pause(FOLLOW_EVERY_MS, signal);
    } while (args.follow && !signal.aborted);
  } finally {
    client.destroy();
    if (file) await new Promise((r) => file!.end(r));
  }
  if (args.output) io.err(`${count} line(s) of ${group}/${args.stream} written to ${args.output}.`);
  return 0;
}

function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop).once('SIGTERM', stop);
  return controller.signal;
}
