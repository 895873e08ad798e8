import { basename, dirname } from 'node:path';
import type { ArchiveLocation } from './location.js';
import { locationOf, openStore } from './open-store.js';
import { ArchiveUnusable, listArchives, MANIFEST, readManifest } from './manifest.js';
import type { ArchiveStore } from './store.js';

// An ARCHIVE named on the command line: the place a process archives into (its archives side by side), or one
// archive in it (a folder of its own, holding manifest.json).
export interface NamedArchive {
  store: ArchiveStore;
  /** The one archive named, when it is one. */
  id?: string;
}

// Folder names of archives: their time, 20261201T235500.123Z.
const ARCHIVE_ID = /^\d{8}T\d{6}(\.\d+)?Z$/;

export async function openNamed(text: string, s3: { endpoint?: string; region?: string } = {}): Promise<NamedArchive> {
  const location = locationOf(text.replace(/\/+$/, ''), s3);
  const here = openStore(location);
  const named = (location.path !== undefined ? basename(location.path) : location.s3!.prefix.split('/').at(-1)) ?? '';
  const isArchive = (await here.stat(MANIFEST)) !== undefined || ARCHIVE_ID.test(named);
  if (!isArchive) return { store: here };
  here.close();
  return { store: openStore(parentOf(location)), id: named };
}

function parentOf(location: ArchiveLocation): ArchiveLocation {
  if (location.path !== undefined) return { path: dirname(location.path) };
  const s3 = location.s3!;
  return { s3: { ...s3, prefix: s3.prefix.split('/').slice(0, -1).join('/') } };
}

// The archive to restore: the one named, or the newest complete one there (at or before `asOf`, by its time).
export async function chooseArchive(named: NamedArchive, asOf?: Date): Promise<string> {
  if (named.id !== undefined) {
    const m = await readManifest(named.store, named.id);
    if (asOf && Date.parse(m.created_at) > asOf.getTime()) throw new ArchiveUnusable(`archive ${m.id} was made at ${m.created_at}, after --as-of ${asOf.toISOString()}`);
    return m.id;
  }
  const { complete, incomplete } = await listArchives(named.store);
  for (const id of [...complete].reverse()) {
    const m = await readManifest(named.store, id);
    if (!asOf || Date.parse(m.created_at) <= asOf.getTime()) return id;
  }
  const none = complete.length === 0 ? `no complete archive in ${named.store.where}${incomplete.length ? ` (${incomplete.length} incomplete, without ${MANIFEST}: ${incomplete.slice(-3).join(', ')})` : ''}` : `no archive in ${named.store.where} was made at or before ${asOf!.toISOString()} (the oldest: ${complete[0]})`;
  throw new ArchiveUnusable(none);
}
