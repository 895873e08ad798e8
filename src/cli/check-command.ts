import { describeError } from '../core/errors.js';
import { checkObjects, type ObjectProblem } from '../archive/check.js';
import { ArchiveUnusable, listArchives, loadAnyChain, readAnyManifest, type AnyManifest } from '../archive/manifest.js';
import { openNamed } from '../archive/select.js';
import type { CheckArgs } from './archive-args.js';
import type { Output } from './output.js';

interface Checked {
  id: string;
  parent: string | null;
  mode: string;
  /** What the archive holds: InfluxDB line protocol (points), SQLite databases (rows) or files (a tar). */
  contents: 'influxdb' | 'sqlite' | 'tar';
  objects: number;
  bytes: number;
  points: number;
  rows: number;
  files: number;
  problems: ObjectProblem[];
}

// `main check ARCHIVE [--read-data]`: each complete archive there (or the one named, with the archives its chain
// needs): its manifest, every object there with its size, and with --read-data its points and checksum. 0 when
// all is well; 1 naming each object that is not, or an archive that cannot be used.
export async function checkCommand(args: CheckArgs, io: Output): Promise<number> {
  const named = await openNamed(args.archive, args);
  const checked: Checked[] = [];
  let incomplete: string[] = [];
  try {
    let manifests: AnyManifest[];
    if (named.id !== undefined) manifests = await loadAnyChain(named.store, named.id);
    else {
      const listed = await listArchives(named.store);
      incomplete = listed.incomplete;
      if (listed.complete.length === 0) throw new ArchiveUnusable(`no complete archive in ${named.store.where}${incomplete.length ? ` (${incomplete.length} incomplete, without manifest.json)` : ''}`);
      manifests = [];
      for (const id of listed.complete) manifests.push(await readAnyManifest(named.store, id));
    }
    for (const m of manifests) {
      const totals = await checkObjects(named.store, m, args.readData);
      checked.push({ id: m.id, parent: m.parent, mode: m.mode, contents: m.contents ?? 'influxdb', objects: totals.objects, bytes: totals.bytes, points: totals.points, rows: totals.rows, files: totals.files, problems: totals.problems });
    }
  } catch (error) {
    io.err(`main: check: ${error instanceof ArchiveUnusable ? error.message : describeError(error)}`);
    return 1;
  } finally {
    named.store.close();
  }
  const problems = checked.flatMap((c) => c.problems.map((p) => ({ ...p, id: c.id })));
  if (args.json) io.out(`${JSON.stringify({ ok: problems.length === 0, readData: args.readData, archives: checked, incomplete }, null, 2)}\n`);
  else {
    for (const c of checked) io.out(`${c.id}  ${c.mode.padEnd(11)}  ${c.objects} objects  ${c.bytes} bytes  ${counted(c)}  ${c.problems.length ? `${c.problems.length} problem(s)` : 'ok'}\n`);
    for (const id of incomplete) io.out(`${id}  incomplete (no manifest.json): never used\n`);
  }
  for (const p of problems) io.err(`main: check: archive ${p.id}, object ${p.key}: ${p.problem}`);
  if (!args.json) io.out(`${checked.length} archive(s), ${checked.reduce((n, c) => n + c.objects, 0)} objects${args.readData ? ', every one read whole' : ' (presence and size; --read-data reads them)'}: ${problems.length ? `${problems.length} problem(s)` : 'all well'}.\n`);
  return problems.length ? 1 : 0;
}

const counted = (c: Checked): string => (c.contents === 'sqlite' ? `${c.rows} rows` : c.contents === 'tar' ? `${c.files} files` : `${c.points} points`);
