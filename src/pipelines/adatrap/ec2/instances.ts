import { DescribeInstancesCommand, TerminateInstancesCommand, paginateDescribeInstances, type EC2Client, type Filter, type Instance } from '@aws-sdk/client-ec2';
import { errorName } from './clients.js';

// The tags this product puts on what it launches; `main adatrap instances` and `reap` find them by the first.
export const TAG = { process: 'sysadmintoolkit:process', run: 'sysadmintoolkit:run', date: 'sysadmintoolkit:date', kind: 'sysadmintoolkit:kind' } as const;

// EC2 is eventually consistent: an instance just launched may be unknown to DescribeInstances for a moment.
const NOT_FOUND_GRACE_MS = 60_000;

export interface InstanceView {
  id: string;
  state: string;
  launchedAt?: Date;
  type?: string;
  process?: string;
  runId?: string;
  day?: string;
}

export function viewOf(instance: Instance): InstanceView {
  const tag = (key: string) => instance.Tags?.find((t) => t.Key === key)?.Value;
  return {
    id: instance.InstanceId ?? '?',
    state: instance.State?.Name ?? 'unknown',
    ...(instance.LaunchTime ? { launchedAt: new Date(instance.LaunchTime) } : {}),
    ...(instance.InstanceType ? { type: instance.InstanceType } : {}),
    ...(tag(TAG.process) !== undefined ? { process: tag(TAG.process) } : {}),
    ...(tag(TAG.run) !== undefined ? { runId: tag(TAG.run) } : {}),
    ...(tag(TAG.date) !== undefined ? { day: tag(TAG.date) } : {}),
  };
}

export const isNotFoundInstance = (error: unknown): boolean => errorName(error) === 'InvalidInstanceID.NotFound';

// One instance, or undefined when EC2 does not know it (yet, or any more).
export async function describeInstance(ec2: EC2Client, id: string, signal?: AbortSignal): Promise<InstanceView | undefined> {
  try {
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }), { abortSignal: signal });
    const found = out.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === id);
    return found ? viewOf(found) : undefined;
  } catch (error) {
    if (isNotFoundInstance(error)) return undefined;
    throw error;
  }
}

// An instance launched `launchedAt`: not found within the first minute is eventual consistency, and waited out.
export async function stateOf(ec2: EC2Client, id: string, launchedAt: number, signal?: AbortSignal): Promise<string> {
  const view = await describeInstance(ec2, id, signal);
  if (view) return view.state;
  return Date.now() - launchedAt < NOT_FOUND_GRACE_MS ? 'pending' : 'not found';
}

// TerminateInstances, retried while EC2 does not know the instance yet, then the state until it is
// `terminated` or `waitMs` has passed: the last state seen.
export async function terminateAndConfirm(ec2: EC2Client, id: string, options: { waitMs: number; pollMs: number; launchedAt?: number }): Promise<string> {
  const until = Date.now() + options.waitMs;
  const launchedAt = options.launchedAt ?? 0;
  for (;;) {
    try {
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }), { abortSignal: AbortSignal.timeout(Math.max(1000, until - Date.now())) });
      break;
    } catch (error) {
      if (!isNotFoundInstance(error) || Date.now() - launchedAt >= NOT_FOUND_GRACE_MS || Date.now() >= until) throw error;
      await pause(options.pollMs);
    }
  }
  let state = 'shutting-down';
  while (state !== 'terminated' && Date.now() < until) {
    await pause(Math.min(options.pollMs, Math.max(0, until - Date.now())));
    state = (await describeInstance(ec2, id, AbortSignal.timeout(Math.max(1000, until - Date.now()))))?.state ?? state;
  }
  return state;
}

// Every instance this product launched (by its tag), page after page; terminated ones too with `all`.
export async function listOurInstances(ec2: EC2Client, options: { all: boolean; extra?: Filter[] }): Promise<InstanceView[]> {
  const live = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];
  const filters: Filter[] = [{ Name: 'tag-key', Values: [TAG.process] }, ...(options.all ? [] : [{ Name: 'instance-state-name', Values: live }]), ...(options.extra ?? [])];
  const found: InstanceView[] = [];
  for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 100 }, { Filters: filters })) {
    for (const r of page.Reservations ?? []) for (const i of r.Instances ?? []) found.push(viewOf(i));
  }
  return found.sort((a, b) => (a.launchedAt?.getTime() ?? 0) - (b.launchedAt?.getTime() ?? 0));
}

export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
