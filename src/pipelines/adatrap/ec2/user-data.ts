import type { AdatrapConfig, Ec2Run } from '../schema.js';
import type { ResultRef } from './result.js';

// EC2 refuses user data above 16 KB (before base64).
const USER_DATA_MAX = 16 * 1024;
const DELIMITER = 'SYSADMINTOOLKIT_DEFINITION';

// The definition the instance runs: the kind's own keys only (not the process's logging or monitoring, which
// may hold passwords), and no storage credentials: the instance reads and writes with its role.
export function remoteDefinition(config: AdatrapConfig): AdatrapConfig {
  const { credentials: _credentials, ...storage } = config.storage;
  const { timezone, date, work_dir, keep_work, program, inputs, run, outputs, archive } = config;
  return { timezone, ...(date ? { date } : {}), storage, work_dir, keep_work, program, inputs, run, outputs, archive };
}

export interface RemoteCall {
  process: string;
  runId: string;
  day: string;
  result: ResultRef;
}

// A shell script for cloud-init: the definition into a fresh folder, `main adatrap remote` on it, then the
// instance shuts itself down (an EXIT trap), which terminates it (InstanceInitiatedShutdownBehavior: terminate),
// whatever became of the orchestrator. Base64, as RunInstances takes it.
export function userData(config: AdatrapConfig, call: RemoteCall): string {
  const run = config.run as Ec2Run;
  const definition = JSON.stringify(remoteDefinition(config));
  const argv = [...run.main, 'adatrap', 'remote', '--definition', 'process.json', '--process', call.process, '--run-id', call.runId, '--date', call.day, '--result', `s3://${call.result.bucket}/${call.result.key}`];
  const script = [
    '#!/bin/sh',
    `# sysadmintoolkit: adatrap, day ${call.day} of process ${JSON.stringify(call.process)}, run ${call.runId}. No key here: the instance uses its role.`,
    // Whatever happens below (no temporary folder, no `main`), the instance ends itself, and so is terminated.
    "trap 'shutdown -h now' EXIT",
    'dir=$(mktemp -d "${TMPDIR:-/tmp}/sysadmintoolkit-adatrap.XXXXXX") && cd "$dir" || exit 1',
    `cat > process.json <<'${DELIMITER}'`,
    definition,
    DELIMITER,
    argv.map(shellQuote).join(' '),
    '',
  ].join('\n');
  const bytes = Buffer.byteLength(script);
  if (bytes > USER_DATA_MAX) throw new Error(`the instance's user data would be ${bytes} bytes, above EC2's ${USER_DATA_MAX}: the definition is too large (inputs, parameters.values)`);
  return Buffer.from(script).toString('base64');
}

// One word for sh, whatever it holds: single quotes, and each ' as '\''.
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
