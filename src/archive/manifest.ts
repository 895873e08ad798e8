import { packageVersion } from '../lib/package-version.js';
import type { Compression } from './codec.js';
import type { ArchiveStore } from './store.js';

export const MANIFEST = 'manifest.json';
const FORMAT = 'sysadmintoolkit-archive';

// One object of an archive: the lines of one retention policy × measurement × shard group, compressed.
export interface ArchiveObject {
  key: string;
  bytes: number;
  points: number;
  /** See line-digest.ts. */
  checksum: string;
  rp: string;
  /** The name for people (a byte that is not UTF-8 shown as \xHH) and, exactly, its bytes. */
  measurement: string;
  measurement_base64: string;
  /** The shard group, [start, end) in nanoseconds since the epoch (as decimal text: int64 does not fit a JSON number). */
  shard_group: { start: string; end: string };
  /** The time range the object was read from, [from, to). */
  from: string;
  to: string;
  /** Each field key with its types in this shard group (one, unless the shard groups overlap). */
  fields: Record<string, string[]>;
}

// What one archive read of one retention policy × measurement: where the next archive of the chain starts.
export interface ArchiveItem {
  rp: string;
  measurement: string;
  measurement_base64: string;
  /** The range read, [from, to): every point the source held there is in this archive. Absent when it failed. */
  from?: string;
  to?: string;
  /** Why this measurement is not in the archive (its objects are left out); the next archive reads it again. */
  failed?: string;
  /** Where an incremental archive after this one resumes (before its overlap); absent when nothing was archived yet. */
  archived_to?: string;
}

export interface RetentionPolicyInfo {
  name: string;
  duration: string;
  shard_duration: string;
  replica_n: number;
  default: boolean;
}

export interface Manifest {
  format: typeof FORMAT;
  /** Absent in an InfluxDB archive (line protocol); see AnyManifest for the others. */
  contents?: undefined;
  format_version: 1;
  id: string;
  /** The archive this one follows (an incremental archive holds what is new since it); null for a full one. */
  parent: string | null;
  mode: 'full' | 'incremental';
  kind: 'influxdb-copy';
  process: string;
  created_at: string;
  tool: { name: 'sysadmintoolkit'; version: string };
  compression: Compression;
  checksum_algorithm: string;
  source: { url: string; database: string };
  databases: Array<{ name: string; retention_policies: RetentionPolicyInfo[] }>;
  /** The first and last point archived (nanoseconds, and as RFC 3339); null when none. */
  time_range: { from: string; to: string; from_time: string; to_time: string } | null;
  points: number;
  bytes: number;
  items: ArchiveItem[];
  objects: ArchiveObject[];
}

// One object of an archive of whole files: a SQLite database (`contents: "sqlite"`) or a tar of files
// (`contents: "tar"`), compressed. Its checksum is the SHA-256 of the bytes before compression: of the database file,
// or of the tar, as restore writes or reads them.
export interface WholeObject {
  key: string;
  /** Bytes stored (compressed). */
  bytes: number;
  /** Bytes before compression. */
  plain_bytes: number;
  checksum: string;
}

export interface SqliteObject extends WholeObject {
  /** The database file archived, as the process names it, resolved. */
  database: string;
  /** Rows per table (views are not counted), read from the copy archived. */
  tables: Record<string, number>;
  rows: number;
}

export interface TarObject extends WholeObject {
  /** The paths the process names, as written. */
  paths: string[];
  /** Regular files in the tar, and their bytes (folders and symbolic links are entries, not counted). */
  files: number;
  file_bytes: number;
}

// The part every manifest shares: what `main check` and retention read of any archive.
interface WholeManifest<C extends string, O extends WholeObject> {
  format: typeof FORMAT;
  format_version: 1;
  id: string;
  /** Always null: these archives are full, each one whole. */
  parent: null;
  mode: 'full';
  kind: string;
  /** What the objects hold. */
  contents: C;
  process: string;
  created_at: string;
  tool: { name: 'sysadmintoolkit'; version: string };
  compression: Compression;
  checksum_algorithm: 'sha256';
  bytes: number;
  objects: O[];
}

export interface SqliteManifest extends WholeManifest<'sqlite', SqliteObject> {
  rows: number;
}

export interface FilesManifest extends WholeManifest<'tar', TarObject> {
  files: number;
  file_bytes: number;
}

export type AnyManifest = Manifest | SqliteManifest | FilesManifest;

export const toolInfo = () => ({ name: 'sysadmintoolkit' as const, version: packageVersion() });

export const manifestHeader = { format: FORMAT, format_version: 1 } as const;

// A name for a new archive that sorts by time: 20261201T235500.123Z.
export const archiveId = (at = new Date()): string => at.toISOString().replace(/[-:]/g, '');

// A key part for a name of any bytes: letters, digits, `.`, `_` and `-` as they are, every other byte as %HH.
export function keyPart(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2e || b === 0x5f || b === 0x2d ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out === '.' || out === '..' ? out.replace(/\./g, '%2E') : out;
}

export async function writeManifest(store: ArchiveStore, manifest: AnyManifest): Promise<void> {
  await store.put(`${manifest.id}/${MANIFEST}`, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
}

// The problem with an archive's manifest, found reading it; an archive without one is incomplete.
export class ArchiveUnusable extends Error {
  override name = 'ArchiveUnusable';
}

// The manifest of an archive an influxdb-copy process made; readAnyManifest reads one of any kind.
export async function readManifest(store: ArchiveStore, id: string): Promise<Manifest> {
  return (await readAnyManifest(store, id)) as Manifest;
}

export async function readAnyManifest(store: ArchiveStore, id: string): Promise<AnyManifest> {
  const key = `${id}/${MANIFEST}`;
  if ((await store.stat(key)) === undefined) throw new ArchiveUnusable(`${store.where}/${id} has no ${MANIFEST}: the archive is incomplete (a run that did not finish), and is never used`);
  const chunks: Buffer[] = [];
  for await (const chunk of await store.get(key)) chunks.push(chunk as Buffer);
  let manifest: AnyManifest;
  try {
    manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AnyManifest;
  } catch (error) {
    throw new ArchiveUnusable(`${store.where}/${key} is not JSON: ${(error as Error).message}`);
  }
  if (manifest?.format !== FORMAT || manifest.format_version !== 1) throw new ArchiveUnusable(`${store.where}/${key} is not a manifest of this tool (format ${JSON.stringify(manifest?.format)}, version ${JSON.stringify(manifest?.format_version)})`);
  if (manifest.id !== id) throw new ArchiveUnusable(`${store.where}/${key} names archive "${manifest.id}", not "${id}"`);
  return manifest;
}

// The archives in a place, oldest first: complete ones (with a manifest) and the ids of incomplete ones.
export async function listArchives(store: ArchiveStore): Promise<{ complete: string[]; incomplete: string[] }> {
  const ids = new Map<string, boolean>();
  for await (const o of store.list('')) {
    const [id, ...rest] = o.key.split('/');
    if (!id || rest.length === 0) continue;
    ids.set(id, (ids.get(id) ?? false) || rest.join('/') === MANIFEST);
  }
  const sorted = [...ids].sort(([a], [b]) => a.localeCompare(b));
  return { complete: sorted.filter(([, ok]) => ok).map(([id]) => id), incomplete: sorted.filter(([, ok]) => !ok).map(([id]) => id) };
}

// The chain that ends with archive `id`, oldest first: each parent must be there, complete.
export async function loadChain(store: ArchiveStore, id: string): Promise<Manifest[]> {
  return (await loadAnyChain(store, id)) as Manifest[];
}

export async function loadAnyChain(store: ArchiveStore, id: string): Promise<AnyManifest[]> {
  const chain: AnyManifest[] = [];
  for (let next: string | null = id; next !== null; ) {
    if (chain.some((m) => m.id === next)) throw new ArchiveUnusable(`${store.where}: the chain of archive "${id}" loops at "${next}"`);
    const child: AnyManifest | undefined = chain[0];
    try {
      chain.unshift(await readAnyManifest(store, next));
    } catch (error) {
      if (child && error instanceof ArchiveUnusable) throw new ArchiveUnusable(`archive "${child.id}" needs its parent "${next}": ${error.message}`);
      throw error;
    }
    next = chain[0]!.parent;
  }
  return chain;
}
