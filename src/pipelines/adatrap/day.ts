import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { ErrorCode, PipelineError, describeError, errorCodeOf } from '../../core/errors.js';
import type { IntegrityCheck, PipelineContext, PipelineOutcome } from '../../core/pipeline.js';
import { describeExit, runProgram } from '../../lib/program.js';
import { buildArchive, existingArchive, uploadArchive, type Existing } from './archive.js';
import { defaultLanding, downloadInput, resolveInput, unpackOf, type DownloadedInput, type ResolvedInput } from './inputs.js';
import { checkOutputs } from './outputs.js';
import { s3Client, s3Reason } from './s3.js';
import type { AdatrapConfig, InputConfig } from './schema.js';
import { render, renderOrThrow } from './template.js';

// What a day's run needs of its context: a `main` child's, or the instance's (`main adatrap remote`).
export type DayContext = Pick<PipelineContext, 'signal' | 'log' | 'progress' | 'trackProcessGroup' | 'runId' | 'process'>;

// How long the program has between SIGTERM and SIGKILL when it is stopped.
const PROGRAM_GRACE_MS = 5000;
// Inputs downloaded at once: a day has a handful, some of them gigabytes.
const DOWNLOADS_AT_ONCE = 4;

// One day on this host: the inputs from S3, the program, its outputs checked, zipped, uploaded and verified.
// A failure keeps the checks made so far and uploads nothing.
// Folders: <work_dir>/<process>/<date>/ holds `work` (the inputs, the .par, where the program runs), `program`
// (the executable and its template, where no input can write once the hash is checked) and `downloads` (zips
// waiting to be unpacked, and the archive).
export async function runDay(config: AdatrapConfig, day: string, ctx: DayContext, client: S3Client = s3Client(config.storage)): Promise<PipelineOutcome> {
  const checks: IntegrityCheck[] = [];
  const records = { read: 0, written: 0, rejected: 0 };
  const dayRoot = resolve(config.work_dir, ctx.process, day);
  const dirs = { work: join(dayRoot, 'work'), program: join(dayRoot, 'program'), downloads: join(dayRoot, 'downloads') };
  let failed = false;
  try {
    const { archiveKey, archiveAt, existing, skipped } = await archiveFirst(config, day, client, ctx.signal);
    if (skipped) return { skipped };

    // A previous run's leftovers (a crash, a kill) would mix with this run's files: start from empty folders.
    await rm(dayRoot, { recursive: true, force: true });
    for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
    const step = (done: number, message: string) => ctx.progress({ done, total: 6, unit: 'steps', message });

    step(0, 'finding the inputs');
    const program = await fetchProgram(config, day, dirs, client, ctx, checks);
    const inputs = await fetchInputs(config, day, dirs, client, ctx, checks);
    records.read = inputs.length;

    step(2, 'writing the parameters');
    const values = templateValues(config, day, dirs.work, program, inputs);
    const parameters = await phase(ErrorCode.AdatrapProgram, 'writing the parameters', () => writeParameters(config, program, values, join(dirs.work, `${day}.par`)));
    checks.push({ name: 'parameters', ok: true, actual: `${basename(parameters)}, every placeholder replaced` });
    const outputDir = join(dirs.work, renderOrThrow(config.outputs.dir, values, 'outputs.dir'));
    await mkdir(outputDir, { recursive: true });

    step(3, 'running the program');
    const argv = config.run.command.map((a, i) => renderOrThrow(a, values, `run.command[${i}]`));
    const label = `"${argv.join(' ')}"`;
    ctx.log.info(`Running ${label} in ${dirs.work}.`);
    const ran = await runProgram(
      { file: argv[0]!, args: argv.slice(1), cwd: dirs.work, env: { ...process.env, ...config.run.env }, timeout: config.run.timeout, label, errorCode: ErrorCode.AdatrapProgram },
      ctx,
      PROGRAM_GRACE_MS,
    );
    const exitOk = ran.exitCode === 0;
    checks.push({ name: 'program exit code', ok: exitOk, expected: 0, actual: ran.signal ?? ran.exitCode });
    if (!exitOk) throw new PipelineError(ErrorCode.AdatrapOutput, describeExit(label, ran));

    step(4, 'checking the outputs');
    const files = config.outputs.files.map((f, i) => renderOrThrow(f, values, `outputs.files[${i}]`));
    const outputs = await phase(ErrorCode.AdatrapOutput, `reading the outputs in ${outputDir}`, () => checkOutputs(outputDir, files, ctx.signal));
    checks.push(...outputs.checks);
    if (outputs.problems.length > 0) throw new PipelineError(ErrorCode.AdatrapOutput, `outputs in ${outputDir}: ${outputs.problems.join(', ')}; nothing was uploaded`);
    records.written = outputs.found.reduce((n, o) => n + o.lines, 0);

    step(5, 'archiving');
    const archive = await phase(ErrorCode.AdatrapArchive, 'zipping the outputs', () => buildArchive(outputs.found, day, join(dirs.downloads, `archive-${basename(archiveKey)}`), ctx.signal));
    if (existing && config.archive.overwrite === 'if-different' && existing.sha256 === archive.sha256) {
      checks.push({ name: 'archive', ok: true, expected: { bytes: archive.bytes, sha256: archive.sha256 }, actual: { bytes: existing.bytes, sha256: existing.sha256 }, detail: `${archiveAt} already holds these bytes; not uploaded again` });
    } else {
      ctx.log.info(`Uploading ${archive.bytes} bytes to ${archiveAt}.`);
      const held = await uploadArchive(client, archive, { bucket: config.archive.bucket, key: archiveKey, tags: { 'sat-run': ctx.runId, 'sat-process': ctx.process, 'sat-date': day }, signal: ctx.signal }).catch((e) => {
        throw new PipelineError(ErrorCode.AdatrapArchive, `uploading ${archiveAt}: ${s3Reason(e)}`, { cause: e });
      });
      const ok = held.bytes === archive.bytes && held.sha256 === archive.sha256;
      checks.push({ name: 'archive', ok, expected: { bytes: archive.bytes, sha256: archive.sha256 }, actual: { bytes: held.bytes, sha256: held.sha256 ?? null }, ...(ok ? {} : { detail: `${archiveAt} is not what was sent` }) });
    }
    step(6, 'done');
    return { records, integrity: { ok: checks.every((c) => c.ok), checks } };
  } catch (error) {
    failed = true;
    if (ctx.signal.aborted) throw error;
    const code = errorCodeOf(error);
    return { records, integrity: { ok: false, checks }, error: { code: code === ErrorCode.Pipeline ? ErrorCode.AdatrapInput : code, message: describeError(error) } };
  } finally {
    if (config.keep_work === 'never' || (config.keep_work === 'on-failure' && !failed)) await rm(dayRoot, { recursive: true, force: true }).catch(() => {});
  }
}

// A step's own failures (a full disk, a file that cannot be read) carry the step's code and say which step.
async function phase<T>(code: string, label: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof PipelineError) throw error;
    throw new PipelineError(code, `${label}: ${describeError(error)}`, { cause: error });
  }
}

// The template's bytes are kept as they are (ADATRAP's .par files are Latin-1 as often as UTF-8): it is read one
// byte to a character, and the values, UTF-8, are put in as their bytes.
async function writeParameters(config: AdatrapConfig, program: Program, values: Map<string, string>, path: string): Promise<string> {
  const asBytes = new Map([...values].map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('latin1')]));
  const rendered = render(await readFile(program.parameters, 'latin1'), asBytes, { comment: '*' });
  if (rendered.unreplaced.length > 0) {
    const where = `s3://${config.program.parameters.bucket}/${config.program.parameters.key}`;
    throw new PipelineError(ErrorCode.AdatrapProgram, `parameters ${where}: ${rendered.unreplaced.map((u) => `line ${u.line}: ${u.placeholder} left unreplaced (${u.why})`).join('; ')}`);
  }
  await writeFile(path, rendered.text, 'latin1');
  return path;
}

export interface ArchiveFirst {
  archiveKey: string;
  archiveAt: string;
  existing?: Existing;
  /** Why the day is skipped: its verified archive is there, and archive.overwrite is "never". */
  skipped?: string;
}

// The archive first: a day already done downloads (or launches) nothing. Under "never", an object there that this
// product did not put is refused rather than taken for an archive.
export async function archiveFirst(config: AdatrapConfig, day: string, client: S3Client, signal: AbortSignal): Promise<ArchiveFirst> {
  const archiveKey = renderOrThrow(config.archive.key, new Map([['date', day]]), 'archive.key');
  const archiveAt = `s3://${config.archive.bucket}/${archiveKey}`;
  const existing = await existingArchive(client, config.archive.bucket, archiveKey, signal).catch((e) => {
    throw new PipelineError(ErrorCode.AdatrapArchive, `looking for ${archiveAt}: ${s3Reason(e)}`, { cause: e });
  });
  if (!existing || config.archive.overwrite !== 'never') return { archiveKey, archiveAt, ...(existing ? { existing } : {}) };
  if (!existing.sha256) throw new PipelineError(ErrorCode.AdatrapArchive, `${archiveAt} exists but carries no SHA-256 of this product (x-amz-meta-sha256): it is not a verified archive; remove it, or set archive.overwrite to "always" to replace it`);
  return { archiveKey, archiveAt, existing, skipped: `${archiveAt} already holds the verified archive of ${day} (${existing.bytes} bytes, sha256 ${existing.sha256}); archive.overwrite is "never"` };
}

interface Program {
  executable: string;
  parameters: string;
}

interface DayDirs {
  work: string;
  program: string;
  downloads: string;
}

async function fetchProgram(config: AdatrapConfig, day: string, dirs: DayDirs, client: S3Client, ctx: DayContext, checks: IntegrityCheck[]): Promise<Program> {
  const { executable, parameters } = config.program;
  const one = async (name: string, ref: { bucket: string; key: string }): Promise<DownloadedInput> => {
    const input: InputConfig = { bucket: ref.bucket, key: ref.key, select: 'exact', unpack: 'none' };
    const found = await resolveInput(client, name, input, day, ctx.signal);
    return downloadInput(client, found, { workDir: dirs.program, landing: basename(ref.key), downloadsDir: dirs.downloads, unpack: 'none', retries: config.storage.retries, signal: ctx.signal });
  };
  const [exe, par] = await Promise.all([one('program.executable', executable), one('program.parameters', parameters)]);
  const pinned = executable.sha256?.toLowerCase();
  checks.push({ name: 'executable', ok: !pinned || pinned === exe.sha256, ...(pinned ? { expected: pinned } : {}), actual: exe.sha256, detail: `s3://${exe.bucket}/${exe.key}, ${exe.size} bytes` });
  if (pinned && pinned !== exe.sha256) throw new PipelineError(ErrorCode.AdatrapProgram, `program.executable s3://${exe.bucket}/${exe.key} has SHA-256 ${exe.sha256}, not the pinned ${pinned}: it was not run`);
  checks.push({ name: 'parameters template', ok: true, actual: par.sha256, detail: `s3://${par.bucket}/${par.key}, ${par.size} bytes` });
  const exePath = join(dirs.program, exe.path);
  await chmod(exePath, 0o755);
  return { executable: exePath, parameters: join(dirs.program, par.path) };
}

async function fetchInputs(config: AdatrapConfig, day: string, dirs: DayDirs, client: S3Client, ctx: DayContext, checks: IntegrityCheck[]): Promise<DownloadedInput[]> {
  const entries = Object.entries(config.inputs);
  // Every input is looked for, and every one missing is named, in the order of the process file.
  const settled = await Promise.allSettled(entries.map(([name, input]) => resolveInput(client, name, input, day, ctx.signal)));
  const missing = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (missing.length === 1) throw missing[0];
  if (missing.length > 1) throw new PipelineError(errorCodeOf(missing[0]), missing.map((e) => describeError(e)).join('; '));
  const resolved = settled.map((r) => (r as PromiseFulfilledResult<ResolvedInput>).value);
  for (const r of resolved) ctx.log.info(`Input "${r.name}": s3://${r.bucket}/${r.key} (${r.size} bytes).`);
  const downloaded: DownloadedInput[] = new Array(resolved.length);
  // The first download that fails stops the others: the day has failed, and its folder is about to be removed.
  const downloads = new AbortController();
  const stop = () => downloads.abort();
  ctx.signal.addEventListener('abort', stop, { once: true });
  let firstFailure: { error: unknown } | undefined;
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < resolved.length && !downloads.signal.aborted; i = next++) {
      const input = entries[i]![1];
      const unpack = unpackOf(input);
      const dayOnly = new Map([['date', day]]);
      const landing = input.as ? renderOrThrow(input.as, dayOnly, `inputs.${entries[i]![0]}.as`) : defaultLanding(resolved[i]!.key, unpack);
      downloaded[i] = await downloadInput(client, resolved[i]!, {
        workDir: dirs.work,
        landing,
        downloadsDir: dirs.downloads,
        unpack,
        retries: config.storage.retries,
        signal: downloads.signal,
        onRetry: (attempt, error) => ctx.log.warn(`Input "${resolved[i]!.name}": downloading again (attempt ${attempt + 1}): ${describeError(error)}`),
      }).catch((error) => {
        if (!downloads.signal.aborted) firstFailure = { error };
        downloads.abort();
        throw error;
      });
    }
  };
  // Every lane has ended (none writes into a folder being removed); the error is the first download's that failed,
  // not the aborts it caused in the others.
  const lanes = await Promise.allSettled(Array.from({ length: Math.min(DOWNLOADS_AT_ONCE, resolved.length) }, lane));
  ctx.signal.removeEventListener('abort', stop);
  const failed = lanes.find((l) => l.status === 'rejected');
  if (failed) throw firstFailure ? firstFailure.error : (failed as PromiseRejectedResult).reason;
  for (const d of downloaded) checks.push({ name: `input ${d.name}`, ok: true, actual: { key: `s3://${d.bucket}/${d.key}`, bytes: d.size, sha256: d.sha256 } });
  return downloaded;
}

// Every value a template may name, the day's and the inputs', then `parameters.values` built from them.
function templateValues(config: AdatrapConfig, day: string, workDir: string, program: Program, inputs: DownloadedInput[]): Map<string, string> {
  const values = new Map<string, string>([
    ['date', day],
    ['work_dir', workDir],
    ['executable', program.executable],
    ['parameters', join(workDir, `${day}.par`)],
  ]);
  for (const input of inputs) {
    values.set(input.name, input.path);
    values.set(`${input.name}.key`, input.key);
    for (const slot of ['date', 'from', 'to'] as const) if (input.days[slot]) values.set(`${input.name}.${slot}`, input.days[slot]!);
  }
  for (const [name, template] of Object.entries(config.program.parameters.values)) values.set(name, renderOrThrow(template, values, `program.parameters.values.${name}`));
  return values;
}
