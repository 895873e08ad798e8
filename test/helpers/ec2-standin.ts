import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogStreamCommand, GetLogEventsCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateKeyPairCommand, DeleteKeyPairCommand, DescribeInstancesCommand, EC2Client, EC2ServiceException, RunInstancesCommand, TerminateInstancesCommand, type Filter, type Instance, type RunInstancesCommandInput, type Tag } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { LogStore } from './cloudwatch-standin.js';
import { spawnTied } from './tied.js';

// EC2 and CloudWatch Logs as a test can have them: aws-sdk-client-mock at the SDK boundary of the test process,
// behaving as the services do.
// - An instance moves pending → running → shutting-down → terminated (→ stopping → stopped if it shuts itself
//   down without InstanceInitiatedShutdownBehavior: terminate); DescribeInstances says
//   InvalidInstanceID.NotFound for a new instance's first look (eventual consistency), pages filtered listings
//   (fewer than MaxResults a page, as EC2 may) and keeps terminated instances visible.
// - Booting runs the instance's user data, decoded, with sh: the same `main adatrap remote` the instance would
//   run, in a folder of its own, with the role's keys in its environment, its own IMDSv2 endpoint
//   (AWS_EC2_METADATA_SERVICE_ENDPOINT) and CloudWatch Logs reached over HTTP (AWS_ENDPOINT_URL_CLOUDWATCH_LOGS,
//   see cloudwatch-standin.ts: that process is not this one, the mock cannot reach its calls). `shutdown` on its
//   PATH does nothing: the script's end is the machine's shutdown.
// - TerminateInstances is the machine going away: SIGTERM to every process of the instance, SIGKILL 2 s later.
export interface StandInOptions {
  /** The instance's environment beyond the role's keys: the AMI's settings (FAKE_ADATRAP …). */
  instanceEnv?: Record<string, string>;
  roleKeys?: { access_key_id: string; secret_access_key: string };
  pendingMs?: number;
  shutdownMs?: number;
  /** Instances a DescribeInstances page holds at most. */
  pageSize?: number;
}

export interface StandInInstance {
  id: string;
  reservationId: string;
  state: string;
  launchTime: Date;
  tags: Tag[];
  request?: RunInstancesCommandInput;
  lookedAt: number;
  console: string[];
  child?: ChildProcess;
  exited?: Promise<void>;
  imds?: Server;
}

const CODES: Record<string, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };
let serial = 0;

export class Ec2StandIn {
  readonly instances = new Map<string, StandInInstance>();
  readonly requests: RunInstancesCommandInput[] = [];
  readonly keyPairs = new Set<string>();
  /** The instance's environment beyond the role's keys: the AMI's settings (FAKE_ADATRAP …); tests change it. */
  instanceEnv: Record<string, string>;
  readonly logs = new LogStore();
  readonly ec2 = mockClient(EC2Client);
  readonly cloudwatch = mockClient(CloudWatchLogsClient);
  private readonly dir = mkdtempSync(join(tmpdir(), 'sat-ec2-'));
  private readonly tokens = new Map<string, string>();

  private constructor(private readonly options: StandInOptions) {
    const bin = join(this.dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'shutdown'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    this.ec2.on(RunInstancesCommand).callsFake(async (input: RunInstancesCommandInput) => this.run(input));
    this.ec2.on(DescribeInstancesCommand).callsFake(async (input) => this.describe(input));
    this.ec2.on(TerminateInstancesCommand).callsFake(async (input) => this.terminate(input.InstanceIds ?? []));
    this.instanceEnv = { ...options.instanceEnv };
    this.ec2.on(CreateKeyPairCommand).callsFake(async (input) => {
      if (this.keyPairs.has(input.KeyName!)) throw fault('InvalidKeyPair.Duplicate', `The keypair already exists: ${input.KeyName}`);
      this.keyPairs.add(input.KeyName!);
      return { KeyName: input.KeyName, KeyFingerprint: 'stand-in', KeyMaterial: `-----BEGIN RSA PRIVATE KEY-----\nstand-in key ${input.KeyName}\n-----END RSA PRIVATE KEY-----` };
    });
    this.ec2.on(DeleteKeyPairCommand).callsFake(async (input) => (this.keyPairs.delete(input.KeyName!), {}));
    this.cloudwatch.on(GetLogEventsCommand).callsFake(async (input) => this.logs.get(input));
    this.cloudwatch.on(PutLogEventsCommand).callsFake(async (input) => (this.logs.put(input.logGroupName!, input.logStreamName!, input.logEvents ?? []), {}));
    this.cloudwatch.on(CreateLogStreamCommand).callsFake(async (input) => (this.logs.createStream(input.logGroupName!, input.logStreamName!), {}));
  }

  static async start(options: StandInOptions = {}): Promise<Ec2StandIn> {
    const standIn = new Ec2StandIn(options);
    await standIn.logs.listen();
    return standIn;
  }

  // An instance the stand-in did not launch: someone else's, or one of ours a crashed run lost.
  addInstance(options: { state?: string; launchTime?: Date; tags?: Record<string, string> }): string {
    const id = newId('i-');
    const tags = Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    this.instances.set(id, { id, reservationId: newId('r-'), state: options.state ?? 'running', launchTime: options.launchTime ?? new Date(), tags, lookedAt: 1, console: [] });
    return id;
  }

  async close(): Promise<void> {
    for (const i of this.instances.values()) if (i.child) await this.machineGoes(i);
    await this.logs.close();
    this.ec2.restore();
    this.cloudwatch.restore();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private run(input: RunInstancesCommandInput) {
    if (input.MinCount !== 1 || input.MaxCount !== 1) throw fault('InvalidParameterValue', 'the stand-in launches one instance a call');
    if (!/^ami-[0-9a-f]{8,17}$/.test(input.ImageId ?? '')) throw fault('InvalidAMIID.Malformed', `Invalid id: "${input.ImageId}"`);
    const script = Buffer.from(input.UserData ?? '', 'base64');
    if (script.length > 16 * 1024) throw fault('InvalidParameterValue', 'User data is limited to 16384 bytes');
    const known = input.ClientToken && this.tokens.get(input.ClientToken);
    if (known) return { ReservationId: this.instances.get(known)!.reservationId, Instances: [shape(this.instances.get(known)!)] };
    this.requests.push(input);
    const id = newId('i-');
    const tags = input.TagSpecifications?.find((t) => t.ResourceType === 'instance')?.Tags ?? [];
    const instance: StandInInstance = { id, reservationId: newId('r-'), state: 'pending', launchTime: new Date(), tags, request: input, lookedAt: 0, console: [] };
    this.instances.set(id, instance);
    if (input.ClientToken) this.tokens.set(input.ClientToken, id);
    setTimeout(() => void this.boot(instance, script.toString('utf8')), this.options.pendingMs ?? 150);
    return { ReservationId: instance.reservationId, Instances: [shape(instance)] };
  }

  private async boot(instance: StandInInstance, script: string): Promise<void> {
    if (instance.state !== 'pending') return;
    instance.state = 'running';
    const home = join(this.dir, instance.id);
    mkdirSync(home);
    writeFileSync(join(home, 'user-data'), script);
    instance.imds = await imdsServer(instance.id);
    const keys = this.options.roleKeys;
    const child = spawnTied('sh', [join(home, 'user-data')], {
      cwd: home,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...withoutAws(process.env),
        PATH: `${join(this.dir, 'bin')}:${process.env.PATH}`,
        TMPDIR: home,
        AWS_REGION: 'us-east-1',
        AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${(instance.imds.address() as AddressInfo).port}`,
        AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: this.logs.endpoint,
        ...(keys ? { AWS_ACCESS_KEY_ID: keys.access_key_id, AWS_SECRET_ACCESS_KEY: keys.secret_access_key } : {}),
        ...this.instanceEnv,
      },
    });
    instance.child = child;
    for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (d: Buffer) => instance.console.push(...d.toString().split('\n').filter(Boolean)));
    instance.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void instance.exited.then(() => {
      instance.imds?.close();
      // The script's end is `shutdown`: the machine stops, and with InstanceInitiatedShutdownBehavior: terminate, ends.
      if (instance.state === 'running') {
        const terminate = instance.request?.InstanceInitiatedShutdownBehavior === 'terminate';
        instance.state = terminate ? 'shutting-down' : 'stopping';
        setTimeout(() => (instance.state = terminate ? 'terminated' : 'stopped'), this.options.shutdownMs ?? 150);
      }
    });
  }

  private describe(input: { InstanceIds?: string[]; Filters?: Filter[]; MaxResults?: number; NextToken?: string }) {
    let found: StandInInstance[];
    if (input.InstanceIds?.length) {
      if (input.MaxResults !== undefined) throw fault('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
      found = input.InstanceIds.map((id) => {
        const i = this.instances.get(id);
        // A new instance is not yet known to every EC2 endpoint: its first look says so.
        if (!i || i.lookedAt++ === 0) throw fault('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
        return i;
      });
    } else {
      found = [...this.instances.values()].filter((i) => (input.Filters ?? []).every((f) => matches(i, f)));
    }
    let next: string | undefined;
    if (input.MaxResults !== undefined) {
      if (input.MaxResults < 5 || input.MaxResults > 1000) throw fault('InvalidParameterValue', 'MaxResults must be from 5 to 1000');
      const start = Number(input.NextToken ?? 0);
      const end = start + Math.min(input.MaxResults, this.options.pageSize ?? 2);
      next = end < found.length ? String(end) : undefined;
      found = found.slice(start, end);
    }
    const reservations = new Map<string, Instance[]>();
    for (const i of found) reservations.set(i.reservationId, [...(reservations.get(i.reservationId) ?? []), shape(i)]);
    return { Reservations: [...reservations].map(([ReservationId, Instances]) => ({ ReservationId, Instances })), ...(next ? { NextToken: next } : {}) };
  }

  private async terminate(ids: string[]) {
    const changes = [];
    for (const id of ids) {
      const i = this.instances.get(id);
      if (!i) throw fault('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
      const previous = i.state;
      if (previous !== 'terminated' && previous !== 'shutting-down') {
        i.state = 'shutting-down';
        void this.machineGoes(i).then(() => setTimeout(() => (i.state = 'terminated'), this.options.shutdownMs ?? 150));
      }
      changes.push({ InstanceId: id, PreviousState: { Name: previous, Code: CODES[previous] }, CurrentState: { Name: i.state, Code: CODES[i.state] } });
    }
    return { TerminatingInstances: changes };
  }

  // Every process of the instance (the program runs in a process group of its own): SIGTERM, then SIGKILL.
  private async machineGoes(i: StandInInstance): Promise<void> {
    i.imds?.close();
    if (!i.child || i.child.exitCode !== null || i.child.signalCode !== null) return;
    const all = [i.child.pid!, ...descendants(i.child.pid!)];
    for (const pid of all) signal(pid, 'SIGTERM');
    const late = setTimeout(() => {
      for (const pid of [...all, ...descendants(i.child!.pid!)]) signal(pid, 'SIGKILL');
    }, 2000);
    await i.exited;
    clearTimeout(late);
    for (const pid of all) signal(pid, 'SIGKILL');
  }
}

function shape(i: StandInInstance): Instance {
  return {
    InstanceId: i.id,
    ImageId: i.request?.ImageId ?? 'ami-0123456789abcdef0',
    InstanceType: i.request?.InstanceType ?? 't3.micro',
    LaunchTime: i.launchTime,
    State: { Name: i.state as 'running', Code: CODES[i.state] },
    Tags: i.tags,
  };
}

function matches(i: StandInInstance, f: Filter): boolean {
  const values = f.Values ?? [];
  if (f.Name === 'tag-key') return i.tags.some((t) => values.includes(t.Key!));
  if (f.Name === 'instance-state-name') return values.includes(i.state);
  if (f.Name === 'instance-id') return values.includes(i.id);
  if (f.Name?.startsWith('tag:')) return i.tags.some((t) => t.Key === f.Name!.slice(4) && values.includes(t.Value!));
  throw fault('InvalidParameterValue', `stand-in: the filter ${f.Name} is not modelled`);
}

// IMDSv2: a token from PUT /latest/api/token, then reads carrying it.
async function imdsServer(id: string): Promise<Server> {
  const token = `token-${id}`;
  const server = createServer((req, res) => {
    if (req.method === 'PUT' && req.url === '/latest/api/token' && req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return res.end(token);
    if (req.headers['x-aws-ec2-metadata-token'] !== token) return res.writeHead(401).end();
    if (req.url === '/latest/meta-data/instance-id') return res.end(id);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  for (let queue = [root]; queue.length; ) for (const c of children.get(queue.shift()!) ?? []) found.push(c), queue.push(c);
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

const withoutAws = (env: NodeJS.ProcessEnv) => Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('AWS_')));
const newId = (prefix: string) => `${prefix}${(Date.now().toString(16) + (++serial).toString(16).padStart(4, '0')).padStart(17, '0').slice(-17)}`;

function fault(name: string, message: string): EC2ServiceException {
  return new EC2ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
}
