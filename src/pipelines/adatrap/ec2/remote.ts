import { readFile } from 'node:fs/promises';
import { ErrorCode, describeError, errorCodeOf } from '../../../core/errors.js';
import type { PipelineLogger, PipelineOutcome } from '../../../core/pipeline.js';
import { runDay, type DayContext } from '../day.js';
import { s3Client } from '../s3.js';
import type { AdatrapConfig, Ec2Run } from '../schema.js';
import { accessOf, logsClient } from './clients.js';
import { instanceIdFromMetadata } from './imds.js';
import { LogBatcher } from './log-batcher.js';
import { parseResultUrl, writeResult } from './result.js';

export interface RemoteOptions {
  /** The definition the orchestrator wrote into the user data (JSON, no credentials). */
  definition: string;
  process: string;
  runId: string;
  day: string;
  /** s3://BUCKET/KEY: where the outcome goes. */
  result: string;
  /** Read from the instance metadata service when absent. */
  instanceId?: string;
}

// `main adatrap remote`, what an instance runs: the day as `where: local` would run it, each log line to stdout
// (the instance's console) and to its CloudWatch Logs stream (named by its instance id), then the outcome to
// S3 for the orchestrator. Credentials: the instance's role. Exit 0 when the day succeeded or was skipped.
export async function runRemote(options: RemoteOptions, stdout: (line: string) => void): Promise<number> {
  const config = await readDefinition(options.definition);
  const run = config.run as Ec2Run;
  const result = parseResultUrl(options.result);
  const instanceId = options.instanceId ?? (await instanceIdFromMetadata());
  const logs = logsClient(accessOf(config.storage, run));
  const batcher = new LogBatcher(logs, run.log_group, instanceId, (line) => stdout(`warn: ${line}`));
  const line = (level: string) => (message: string) => {
    const text = `${level}: ${message}`;
    stdout(text);
    batcher.add(text);
  };
  const log: PipelineLogger = { debug: () => {}, info: line('info'), warn: line('warn'), error: line('error') };
  // The instance shutting down (or a stop by hand) stops the day: the program's process group goes with it.
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    log.warn(`${signal} received: stopping the day.`);
    controller.abort();
  };
  process.once('SIGTERM', stop).once('SIGINT', stop);
  let lastStep = '';
  const ctx: DayContext = {
    signal: controller.signal,
    log,
    runId: options.runId,
    process: options.process,
    progress: (p) => {
      if (p.message && p.message !== lastStep) log.info(`Step ${p.done}/${p.total}: ${(lastStep = p.message)}.`);
    },
    trackProcessGroup: () => () => {},
  };
  log.info(`Instance ${instanceId}: day ${options.day} of process "${options.process}", run ${options.runId}.`);
  const s3 = s3Client(config.storage);
  let outcome: PipelineOutcome;
  try {
    outcome = await runDay(config, options.day, ctx, s3);
  } catch (error) {
    const code = controller.signal.aborted ? ErrorCode.Interrupted : errorCodeOf(error);
    outcome = { error: { code, message: describeError(error) } };
  } finally {
    process.off('SIGTERM', stop).off('SIGINT', stop);
  }
  const ok = !outcome.error && (outcome.skipped !== undefined || outcome.integrity?.ok !== false);
  log.info(ok ? `Day ${options.day} done${outcome.skipped ? ` (skipped: ${outcome.skipped})` : ''}.` : `Day ${options.day} failed: ${outcome.error?.message ?? 'an integrity check failed'}.`);
  // The log lines first: when the orchestrator sees the result, the lines are in CloudWatch Logs.
  await batcher.close();
  try {
    await writeResult(s3, result, { version: 1, process: options.process, runId: options.runId, day: options.day, instanceId, finishedAt: new Date().toISOString(), outcome });
  } catch (error) {
    stdout(`error: cannot write the result to ${options.result}: ${describeError(error)}`);
    return 1;
  } finally {
    s3.destroy();
    logs.destroy();
  }
  return ok ? 0 : 1;
}

async function readDefinition(path: string): Promise<AdatrapConfig> {
  let config: AdatrapConfig;
  try {
    config = JSON.parse(await readFile(path, 'utf8')) as AdatrapConfig;
  } catch (error) {
    throw new Error(`cannot read the definition ${path}: ${describeError(error)}`);
  }
  const lacking = (['storage', 'program', 'inputs', 'run', 'outputs', 'archive'] as const).filter((k) => typeof config?.[k] !== 'object');
  if (lacking.length) throw new Error(`the definition ${path} lacks ${lacking.join(', ')}: it was not written by this product's orchestrator (or by another version)`);
  if (config.run.where !== 'ec2') throw new Error(`the definition ${path} runs where: ${config.run.where}, not ec2`);
  return config;
}
