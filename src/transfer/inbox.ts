import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';

const PREFIX = /^([0-9a-f]{12})-/;
// The temporary files createPartial makes: the only files the start-up clean-up deletes.
const PARTIAL = /^\d+-[0-9a-f]{16}\.part$/;

interface Known {
  size: number;
  mtimeMs: number;
  sha256: string;
}

// The inbox folder: received files land in it whole or not at all (a temporary file in .partial/, then a rename),
// wait there for their hand-off, then move to processed/. A file's SHA-256 prefix in its name finds duplicates.
export class Inbox {
  readonly dir: string;
  readonly partialDir: string;
  readonly processedDir: string;
  /** Stored files by the 12-hex prefix of their name: the candidates for a duplicate. */
  private readonly byPrefix = new Map<string, Set<string>>();
  /** Full SHA-256 of files already hashed, valid while their size and mtime hold. */
  private readonly known = new Map<string, Known>();

  private constructor(dir: string) {
    this.dir = resolve(dir);
    this.partialDir = join(this.dir, '.partial');
    this.processedDir = join(this.dir, 'processed');
  }

  // Creates the folders, deletes temporary files a crash left behind, and indexes what is stored.
  static async open(dir: string): Promise<{ inbox: Inbox; removedPartials: string[] }> {
    const inbox = new Inbox(dir);
    for (const folder of [inbox.partialDir, inbox.processedDir]) {
      await mkdir(folder, { recursive: true });
      // A link here would send received files, and the clean-up below, into someone else's folder.
      const info = await lstat(folder);
      if (!info.isDirectory()) throw new Error(`${folder} is ${info.isSymbolicLink() ? 'a symbolic link' : 'not a folder'}; it must be a real folder of the inbox`);
    }
    // Only our own temporary files, by their name; nothing recursive.
    const removedPartials = (await readdir(inbox.partialDir, { withFileTypes: true })).filter((e) => e.isFile() && PARTIAL.test(e.name)).map((e) => e.name);
    for (const name of removedPartials) await rm(join(inbox.partialDir, name), { force: true });
    for (const folder of [inbox.dir, inbox.processedDir]) for (const file of await regularFiles(folder)) inbox.index(join(folder, file));
    return { inbox, removedPartials };
  }

  // `<first 12 hex of sha256>-<name>`: the name keeps its extension last, and equal names of different content differ.
  storedName(sha256: string, name: string): string {
    return `${sha256.slice(0, 12)}-${name}`;
  }

  // The stored name of a file with this content, in the inbox or in processed/, if there is one.
  async findDuplicate(sha256: string, size: number): Promise<string | undefined> {
    const prefix = sha256.slice(0, 12);
    for (const path of [...(this.byPrefix.get(prefix) ?? [])]) {
      let info;
      try {
        info = await stat(path);
      } catch {
        this.forget(path);
        continue;
      }
      if (!info.isFile() || info.size !== size) continue;
      // 48 bits of prefix decide nothing on their own: the whole digest must match.
      const cached = this.known.get(path);
      const digest = cached && cached.size === info.size && cached.mtimeMs === info.mtimeMs ? cached.sha256 : await hashFile(path);
      this.known.set(path, { size: info.size, mtimeMs: info.mtimeMs, sha256: digest });
      if (digest === sha256) return basename(path);
    }
    return undefined;
  }

  // A new temporary file in .partial/, opened for writing; its name says nothing the client chose.
  async createPartial(): Promise<{ path: string; handle: FileHandle }> {
    const path = join(this.partialDir, `${process.pid}-${randomBytes(8).toString('hex')}.part`);
    return { path, handle: await open(path, 'wx', 0o640) };
  }

  // The complete, verified temporary file becomes `<prefix>-<name>` in the inbox; the folder is synced so the rename survives a crash.
  async commit(partial: string, sha256: string, name: string): Promise<string> {
    const target = join(this.dir, this.storedName(sha256, name));
    const info = await stat(partial);
    await rename(partial, target);
    // Indexed before the next await: a duplicate arriving meanwhile must find it.
    this.known.set(target, { size: info.size, mtimeMs: info.mtimeMs, sha256 });
    this.index(target);
    await syncFolder(this.dir);
    return target;
  }

  async discard(partial: string): Promise<void> {
    await rm(partial, { force: true });
  }

  // Files waiting in the inbox for a hand-off (a crash between the acknowledgement and the hand-off leaves them there).
  async waiting(): Promise<string[]> {
    return (await regularFiles(this.dir)).map((name) => join(this.dir, name));
  }

  // After a successful hand-off: out of the inbox, kept in processed/ so that the same file sent again is known.
  async markProcessed(path: string): Promise<string> {
    const target = join(this.processedDir, basename(path));
    await rename(path, target);
    // Moved in the index before the next await: a duplicate arriving meanwhile must find it.
    const known = this.known.get(path);
    this.forget(path);
    if (known) this.known.set(target, known);
    this.index(target);
    await syncFolder(this.processedDir);
    return target;
  }

  private index(path: string): void {
    const prefix = PREFIX.exec(basename(path))?.[1];
    if (!prefix) return;
    let paths = this.byPrefix.get(prefix);
    if (!paths) this.byPrefix.set(prefix, (paths = new Set()));
    paths.add(path);
  }

  private forget(path: string): void {
    const prefix = PREFIX.exec(basename(path))?.[1];
    if (prefix) this.byPrefix.get(prefix)?.delete(path);
    this.known.delete(path);
  }
}

async function regularFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  return entries.filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// SHA-256 of a file's bytes, streamed.
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
