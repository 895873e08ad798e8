import { housekeepingOf } from '../config/defaults.js';
import { loadConfig } from '../config/index.js';
import { describeError } from '../core/errors.js';
import type { ProcessSpec } from '../core/process.js';
import { kinds } from '../pipelines/registry.js';
import { archivePlacesOf } from '../archive/places.js';
import { projectFolder } from '../config/project.js';
import { pruneArchives, type ProcessPrune } from '../retention/archives.js';
import { sweepHousekeeping, type Swept } from '../retention/housekeeping.js';
import type { PruneArgs } from './args.js';
import type { Output } from './output.js';
import { refused } from './process-files.js';
import { UsageError } from './usage-error.js';

interface Failure {
  /** The process, or "housekeeping". */
  of: string;
  message: string;
}

// `main prune [--dry-run] [--only NAMES] [--json]`: each process with `retention:` and an archive place, then the
// places `housekeeping:` of config/.defaults.yaml names. Exit 0 when all went (or would go) as planned; 1 when a
// place could not be read or pruned (each named, the others still pruned); 2 usage or invalid process files.
export async function pruneCommand(args: PruneArgs, io: Output): Promise<number> {
  const config = await loadConfig(args.config, kinds());
  if (refused(config, args.config, io, 'Nothing was pruned')) return 2;
  const processes = selected(config.processes, args.only, config.names);
  const base = projectFolder(args.config);
  const archived = processes.filter((p) => p.config.retention !== undefined && archivePlacesOf(p.config, base).length > 0);
  const failures: Failure[] = [];
  const pruned: ProcessPrune[] = [];
  for (const spec of archived) {
    try {
      pruned.push(...(await pruneArchives(spec, args.dryRun, base)));
    } catch (error) {
      failures.push({ of: spec.name, message: describeError(error) });
    }
  }
  const housekeeping = housekeepingOf(config.defaults);
  let swept: Swept[] = [];
  if (housekeeping && !args.only) {
    try {
      swept = await sweepHousekeeping({ housekeeping, statePath: args.state, logDir: args.logDir, ...(args.inbox ? { inbox: args.inbox } : {}), processes: config.processes, base }, args.dryRun);
    } catch (error) {
      failures.push({ of: 'housekeeping', message: describeError(error) });
    }
  }
  if (args.json) io.out(`${JSON.stringify({ dryRun: args.dryRun, archives: pruned.map(jsonOf), housekeeping: swept, failures }, null, 2)}\n`);
  else printText(args, pruned, swept, Boolean(housekeeping && !args.only), io);
  for (const f of failures) io.err(`main: prune: ${f.of === 'housekeeping' ? 'housekeeping' : `process "${f.of}"`}: ${f.message}`);
  return failures.length ? 1 : 0;
}

function selected(processes: ProcessSpec[], only: string[] | undefined, names: string[]): ProcessSpec[] {
  if (!only) return processes;
  const unknown = only.filter((name) => !names.includes(name));
  if (unknown.length) throw new UsageError(`unknown process ${unknown.map((n) => `"${n}"`).join(', ')} in --only; known: ${names.join(', ')}`);
  return processes.filter((p) => only.includes(p.name));
}

const jsonOf = (p: ProcessPrune) => ({ process: p.process, where: p.plan.where, deleted: p.done?.deleted ?? p.plan.decisions.filter((d) => !d.keep).length, kept: p.plan.decisions.filter((d) => d.keep).length, decisions: p.plan.decisions });

function printText(args: PruneArgs, pruned: ProcessPrune[], swept: Swept[], housekept: boolean, io: Output): void {
  const go = args.dryRun ? 'to delete' : 'deleted';
  for (const p of pruned) {
    const gone = p.plan.decisions.filter((d) => !d.keep);
    io.out(`${p.process}: ${p.plan.where}: ${gone.length} archive(s) ${go}, ${p.plan.decisions.length - gone.length} kept\n`);
    for (const d of p.plan.decisions) io.out(`  ${d.keep ? 'keep  ' : args.dryRun ? 'delete' : 'gone  '}  ${d.id}  ${d.reasons.join('; ')}\n`);
  }
  for (const s of swept) {
    io.out(`housekeeping ${s.place}: ${s.count} ${s.unit} ${go} in ${s.where}: ${s.reason}\n`);
    for (const f of s.files?.slice(0, 20) ?? []) io.out(`  ${f}\n`);
    if ((s.files?.length ?? 0) > 20) io.out(`  … and ${s.files!.length - 20} more\n`);
  }
  if (!pruned.length && !housekept) io.out(`Nothing to prune: no process in ${args.config} has both retention: and an archive place${args.only ? ' (of those named)' : ', and .defaults.yaml names no housekeeping:'}.\n`);
  else if (housekept && !swept.length) io.out('housekeeping: nothing is older than its keep_days.\n');
}
