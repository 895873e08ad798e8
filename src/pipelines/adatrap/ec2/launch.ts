import { randomUUID } from 'node:crypto';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { RunInstancesCommand, type EC2Client, type RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import type { S3Client } from '@aws-sdk/client-s3';
import { ErrorCode, PipelineError, describeError, errorCodeOf } from '../../../core/errors.js';
import type { IntegrityCheck, PipelineContext, PipelineOutcome } from '../../../core/pipeline.js';
import { existingArchive } from '../archive.js';
import { archiveFirst } from '../day.js';
import { s3Client, s3Reason } from '../s3.js';
import type { AdatrapConfig, Ec2Run } from '../schema.js';
import { accessOf, awsReason, ec2Client, logsClient } from './clients.js';
import { TAG, pause, stateOf, terminateAndConfirm } from './instances.js';
import { InstanceLog } from './instance-log.js';
import { readResult, resultRef, type InstanceResult, type ResultRef } from './result.js';
import { userData } from './user-data.js';

export interface Ec2Clients {
  ec2: EC2Client;
  logs: CloudWatchLogsClient;
  s3: S3Client;
}

// How long the end of an instance is waited for: after the day (EC2 takes a minute or two), and on SIGTERM to
// `main`, within the grace the orchestrator gives a child before it kills it (10 s).
const CONFIRM_MS = 10 * 60_000;
const CONFIRM_ON_STOP_MS = 5000;
const ENDED = new Set(['shutting-down', 'terminated', 'stopping', 'stopped', 'not found']);

export function openClients(config: AdatrapConfig): Ec2Clients {
  const access = accessOf(config.storage, config.run as Ec2Run);
  return { ec2: ec2Client(access), logs: logsClient(access), s3: s3Client(config.storage) };
}

// A day on a throwaway instance: launched with a role (no key in its user data), watched until it writes its
// result to S3, its log lines streamed from CloudWatch Logs into the run's log, terminated on every path and
// confirmed terminated; the archive it uploaded is verified again from here.
export async function runDayOnInstance(config: AdatrapConfig, day: string, ctx: PipelineContext, clients?: Ec2Clients): Promise<PipelineOutcome> {
  const own = clients ?? openClients(config);
  try {
    return await dayOnInstance(config, day, ctx, own);
  } finally {
    if (!clients) for (const c of Object.values(own)) c.destroy();
  }
}

async function dayOnInstance(config: AdatrapConfig, day: string, ctx: PipelineContext, clients: Ec2Clients): Promise<PipelineOutcome> {
  const run = config.run as Ec2Run;
  const checks: IntegrityCheck[] = [];
  const failed = (error: unknown): PipelineOutcome => {
    if (ctx.signal.aborted) throw new PipelineError(ErrorCode.Interrupted, `day ${day}: ${describeError(error)}`, { cause: error });
    const code = errorCodeOf(error);
    return { integrity: { ok: false, checks }, error: { code: code === ErrorCode.Pipeline ? ErrorCode.AdatrapInstance : code, message: describeError(error) } };
  };

  // The archive first, as on the instance: a day already done launches nothing.
  let archiveKey: string;
  try {
    const first = await archiveFirst(config, day, clients.s3, ctx.signal);
    if (first.skipped) return { skipped: `${first.skipped}; no instance launched` };
    archiveKey = first.archiveKey;
  } catch (error) {
    return failed(error);
  }

  // One launch, one name: a retried job of the same run never reads an earlier instance's result, nor gets that
  // instance back from RunInstances' idempotency.
  const launchId = randomUUID();
  const result = resultRef(config.archive.bucket, ctx.process, day, `${ctx.runId}-${launchId.slice(0, 8)}`);
  let id: string;
  try {
    id = await launch(clients.ec2, request(config, day, ctx, result, launchId));
  } catch (error) {
    return failed(new PipelineError(ErrorCode.AdatrapInstance, `launching an instance for ${day} (${run.image_id}, ${run.instance_type}): ${awsReason(error)}`, { cause: error }));
  }
  const launchedAt = Date.now();
  ctx.log.info(`Instance ${id} launched for ${day} (${run.instance_type}, ${run.image_id}); it logs to CloudWatch Logs ${run.log_group}/${id}.`);
  const log = new InstanceLog(clients.logs, run.log_group, id, ctx.log);

  let outcome: PipelineOutcome | undefined;
  let failure: unknown;
  try {
    const found = await waitForResult(config, day, ctx, clients, { id, launchedAt, result, log });
    outcome = found.outcome;
    checks.push(...(outcome.integrity?.checks ?? []));
    if (!outcome.error && !outcome.skipped) checks.push(await verifyArchive(clients.s3, config.archive.bucket, archiveKey, outcome, ctx.signal));
  } catch (error) {
    failure = error;
  } finally {
    const stopping = ctx.signal.aborted;
    const state = await terminateAndConfirm(clients.ec2, id, { waitMs: stopping ? CONFIRM_ON_STOP_MS : CONFIRM_MS, pollMs: Math.min(run.poll_interval * 1000, 15_000), launchedAt }).catch((error) => {
      ctx.log.error(`Instance ${id} (day ${day}): terminating it failed: ${awsReason(error)}; terminate it by hand: main adatrap stop ${id}`);
      return 'unknown';
    });
    await log.pull(AbortSignal.timeout(5000));
    checks.push({ name: `instance ${id} terminated`, ok: state === 'terminated', expected: 'terminated', actual: state });
    if (state !== 'terminated') ctx.log.warn(`Instance ${id} (day ${day}) is ${state}, not yet terminated; \`main adatrap instances\` shows it.`);
  }
  if (failure !== undefined) return failed(failure);
  const o = outcome!;
  return { ...(o.records ? { records: o.records } : {}), ...(o.skipped ? { skipped: o.skipped } : {}), integrity: { ok: checks.every((c) => c.ok), checks }, ...(o.error ? { error: o.error } : {}) };
}

function request(config: AdatrapConfig, day: string, ctx: PipelineContext, result: ResultRef, launchId: string): RunInstancesCommandInput {
  const run = config.run as Ec2Run;
  const tags = [
    { Key: 'Name', Value: `sysadmintoolkit adatrap ${ctx.process} ${day}` },
    { Key: TAG.process, Value: ctx.process },
    { Key: TAG.run, Value: ctx.runId },
    { Key: TAG.date, Value: day },
    { Key: TAG.kind, Value: 'adatrap' },
  ];
  return {
    ImageId: run.image_id,
    InstanceType: run.instance_type as RunInstancesCommandInput['InstanceType'],
    MinCount: 1,
    MaxCount: 1,
    IamInstanceProfile: run.instance_profile.startsWith('arn:') ? { Arn: run.instance_profile } : { Name: run.instance_profile },
    InstanceInitiatedShutdownBehavior: 'terminate',
    ...(run.subnet_id ? { SubnetId: run.subnet_id } : {}),
    ...(run.security_group_ids?.length ? { SecurityGroupIds: run.security_group_ids } : {}),
    ...(run.key_name ? { KeyName: run.key_name } : {}),
    // IMDSv2 only: the metadata service (and the role's keys) answer a session, not a forged GET.
    MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
    UserData: userData(config, { process: ctx.process, runId: ctx.runId, day, result }),
    TagSpecifications: [
      { ResourceType: 'instance', Tags: tags },
      { ResourceType: 'volume', Tags: tags },
    ],
    // The SDK's retry of a RunInstances whose answer was lost launches no second instance.
    ClientToken: `sat-${launchId}`,
  };
}

// Not given ctx.signal: an instance launched while the answer was cut off would be lost; a stop right after is
// handled by the caller, which terminates it.
async function launch(ec2: EC2Client, input: RunInstancesCommandInput): Promise<string> {
  const out = await ec2.send(new RunInstancesCommand(input));
  const id = out.Instances?.[0]?.InstanceId;
  if (!id) throw new Error('RunInstances answered without an instance id');
  return id;
}

interface Watch {
  id: string;
  launchedAt: number;
  result: ResultRef;
  log: InstanceLog;
}

// Every poll_interval: the new log lines, the result object, the instance's state; until the result comes, the
// instance ends without one, max_lifetime passes, or the run is stopped.
async function waitForResult(config: AdatrapConfig, day: string, ctx: PipelineContext, clients: Ec2Clients, w: Watch): Promise<InstanceResult> {
  const run = config.run as Ec2Run;
  const deadline = w.launchedAt + run.max_lifetime * 1000;
  const where = `instance ${w.id} (day ${day})`;
  for (;;) {
    if (ctx.signal.aborted) throw new PipelineError(ErrorCode.Interrupted, `${where}: stopped; the instance is terminated`);
    await w.log.pull(ctx.signal);
    const found = await readResult(clients.s3, w.result, ctx.signal).catch((error) => {
      throw new PipelineError(ErrorCode.AdatrapInstance, `${where}: reading its result s3://${w.result.bucket}/${w.result.key}: ${s3Reason(error)}`, { cause: error });
    });
    if (found) {
      ctx.log.info(`Instance ${w.id} reported day ${day}: ${found.outcome.error ? `failed (${found.outcome.error.code})` : found.outcome.skipped ? 'skipped' : 'done'}.`);
      return found;
    }
    const state = await stateOf(clients.ec2, w.id, w.launchedAt, ctx.signal).catch((error) => {
      throw new PipelineError(ErrorCode.AdatrapInstance, `${where}: DescribeInstances: ${awsReason(error)}`, { cause: error });
    });
    if (ENDED.has(state)) {
      // The result may have landed between the two looks.
      const late = await readResult(clients.s3, w.result, ctx.signal);
      if (late) return late;
      throw new PipelineError(ErrorCode.AdatrapInstance, `${where} is ${state} and wrote no result; its log: main adatrap logs ${w.id} --since ${new Date(w.launchedAt).toISOString()}`);
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new PipelineError(ErrorCode.AdatrapInstance, `${where} ran past max_lifetime (${run.max_lifetime} s) without a result; it is terminated and nothing was uploaded by this run`);
    await pause(Math.min(run.poll_interval * 1000, left), ctx.signal);
  }
}

// The archive the instance reported, seen from here: HEAD, and the size and SHA-256 in its metadata.
async function verifyArchive(s3: S3Client, bucket: string, key: string, outcome: PipelineOutcome, signal: AbortSignal): Promise<IntegrityCheck> {
  const reported = outcome.integrity?.checks.find((c) => c.name === 'archive')?.expected as { bytes?: number; sha256?: string } | undefined;
  const held = await existingArchive(s3, bucket, key, signal);
  const ok = Boolean(reported?.sha256 && held && held.sha256 === reported.sha256 && held.bytes === reported.bytes);
  return {
    name: 'archive seen from here',
    ok,
    expected: reported ?? null,
    actual: held ? { bytes: held.bytes, sha256: held.sha256 ?? null } : null,
    ...(ok ? {} : { detail: held ? `s3://${bucket}/${key} is not what the instance reported` : `s3://${bucket}/${key} is not there` }),
  };
}
