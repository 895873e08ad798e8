import { createHash } from 'node:crypto';
import { closeSync, createWriteStream, lstatSync, mkdirSync, openSync, symlinkSync, writeSync } from 'node:fs';
import { link, mkdir, rm } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decompressor } from './codec.js';
import type { FilesManifest, SqliteManifest, TarObject } from './manifest.js';
import { inspectSqlite } from './sqlite-snapshot.js';
import type { ArchiveStore } from './store.js';
import { TarReader, type TarHandlers } from './tar-reader.js';

// Why a restore into a folder did not start: a file it would write is there, or a name would land outside it.
export class RestoreRefused extends Error {
  override name = 'RestoreRefused';
}

// `main restore ARCHIVE --to DIR` for an archive of SQLite databases: each written as DIR/<its file name>, read back
// (checksum, integrity_check, rows per table) before it takes that name. Nothing is overwritten: every name is
// checked free before anything is written, and taken with link(2), which fails when it is not. Problems, if any.
export async function restoreDatabases(store: ArchiveStore, manifest: SqliteManifest, folder: string): Promise<{ written: string[]; problems: string[] }> {
  const dir = resolve(folder);
  const targets = manifest.objects.map((o) => ({ o, target: join(dir, basename(o.database)) }));
  for (const { target } of targets) if (exists(target)) throw new RestoreRefused(`refusing to overwrite ${target}, which is there`);
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  const problems: string[] = [];
  for (const { o, target } of targets) {
    const partial = `${target}.${process.pid}.partial`;
    try {
      const hash = createHash('sha256');
      let bytes = 0;
      const count = new Transform({ transform: (c: Buffer, _, done) => (hash.update(c), (bytes += c.length), done(null, c)) });
      await pipeline(await store.get(o.key), decompressor(manifest.compression), count, createWriteStream(partial, { flags: 'wx' }));
      const sum = hash.digest('hex');
      if (bytes !== o.plain_bytes || sum !== o.checksum) throw new Error(`${bytes} bytes with checksum ${sum}, the manifest says ${o.plain_bytes} bytes with ${o.checksum}`);
      const db = inspectSqlite(partial);
      if (db.integrity !== 'ok') throw new Error(`it fails SQLite's integrity_check: ${db.integrity}`);
      const wrong = Object.keys(o.tables).filter((t) => db.tables[t] !== o.tables[t]);
      if (wrong.length) throw new Error(`rows differ from the manifest in ${wrong.join(', ')}`);
      await link(partial, target);
      written.push(target);
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code === 'EEXIST' ? `refusing to overwrite ${target}, which appeared meanwhile` : (error as Error).message;
      problems.push(`object ${o.key}: ${why}; ${target} was not written`);
    } finally {
      await rm(partial, { force: true });
    }
  }
  return { written, problems };
}

// `main restore ARCHIVE --to DIR` for an archive of files: the tar read once to check it (its checksum, and that no
// name is absolute, climbs out with `..`, or is there already), then extracted: folders made, files created
// exclusively, symbolic links made as stored, and never followed (an entry below a link is refused).
export async function restoreFiles(store: ArchiveStore, manifest: FilesManifest, dir: string): Promise<{ files: number; bytes: number }> {
  const root = resolve(dir);
  for (const o of manifest.objects) {
    await readTar(store, manifest, o, {
      entry: (e) => {
        const target = placeOf(root, e.name);
        if (target && e.type !== 'directory' && exists(target)) throw new RestoreRefused(`refusing to overwrite ${target}, which is there`);
      },
    });
  }
  mkdirSync(root, { recursive: true });
  let files = 0;
  let bytes = 0;
  for (const o of manifest.objects) {
    let fd: number | undefined;
    let left = 0;
    await readTar(store, manifest, o, {
      entry: (e) => {
        const target = placeOf(root, e.name);
        if (!target) return;
        madeParents(root, target);
        if (e.type === 'directory') {
          if (!exists(target)) mkdirSync(target, { mode: e.mode & 0o777 });
          else if (!lstatSync(target).isDirectory()) throw new RestoreRefused(`refusing to overwrite ${target}, which is not a folder`);
        } else if (e.type === 'symlink') symlinkSync(e.linkname, target);
        else if (e.type === 'file') {
          fd = openSync(target, 'wx', e.mode & 0o777);
          left = e.size;
          files++;
          bytes += e.size;
          if (left === 0) (closeSync(fd), (fd = undefined));
        }
      },
      data: (chunk) => {
        writeSync(fd!, chunk);
        left -= chunk.length;
        if (left === 0) (closeSync(fd!), (fd = undefined));
      },
    });
  }
  return { files, bytes };
}

// Where an entry goes under `root`, or undefined for the root itself; refused when it would land outside.
function placeOf(root: string, name: string): string | undefined {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (isAbsolute(name) || parts.includes('..')) throw new RestoreRefused(`refusing "${name}" in the archive: it would be written outside ${root}`);
  return parts.length ? join(root, ...parts) : undefined;
}

// Every folder between root and target exists and is a folder, not a link (which could lead outside).
function madeParents(root: string, target: string): void {
  const parts = target.slice(root.length + 1).split('/').slice(0, -1);
  let at = root;
  for (const p of parts) {
    at = join(at, p);
    if (!exists(at)) mkdirSync(at);
    else if (!lstatSync(at).isDirectory()) throw new RestoreRefused(`refusing to write below ${at}: it is not a folder (a link is never followed)`);
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

// The tar of one object read through `handlers`, its size and checksum compared with the manifest at the end.
async function readTar(store: ArchiveStore, manifest: FilesManifest, o: TarObject, handlers: TarHandlers): Promise<void> {
  const hash = createHash('sha256');
  let plain = 0;
  const reader = new TarReader(handlers);
  const sink = new Writable({
    write(chunk: Buffer, _, done) {
      try {
        hash.update(chunk);
        plain += chunk.length;
        reader.push(chunk);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
  await pipeline(await store.get(o.key), decompressor(manifest.compression), sink);
  reader.end();
  const sum = hash.digest('hex');
  if (plain !== o.plain_bytes || sum !== o.checksum) throw new Error(`object ${o.key}: ${plain} bytes with checksum ${sum}, the manifest says ${o.plain_bytes} bytes with ${o.checksum}`);
}
