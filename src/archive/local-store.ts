import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { ObjectMissing, type ArchiveStore, type StoredObject } from './store.js';

// Archives in a local folder: an object is written beside its place under a temporary name, flushed to disk,
// then renamed over it.
export class LocalStore implements ArchiveStore {
  constructor(readonly where: string) {}

  async spool(key: string): Promise<string> {
    const file = this.file(key);
    await mkdir(dirname(file), { recursive: true });
    return `${file}.${process.pid}.partial`;
  }

  async commit(key: string, spooled: string): Promise<number> {
    await flush(spooled);
    await rename(spooled, this.file(key));
    return (await stat(this.file(key))).size;
  }

  async discard(spooled: string): Promise<void> {
    await rm(spooled, { force: true });
  }

  async put(key: string, body: Buffer): Promise<void> {
    const spooled = await this.spool(key);
    try {
      const handle = await open(spooled, 'w');
      try {
        await handle.writeFile(body);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(spooled, this.file(key));
    } catch (error) {
      await this.discard(spooled);
      throw error;
    }
  }

  async get(key: string): Promise<Readable> {
    if ((await this.stat(key)) === undefined) throw new ObjectMissing(this.where, key);
    return createReadStream(this.file(key));
  }

  async stat(key: string): Promise<number | undefined> {
    try {
      const s = await stat(this.file(key));
      return s.isFile() ? s.size : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async *list(prefix: string): AsyncGenerator<StoredObject> {
    let entries;
    try {
      entries = await readdir(this.where, { recursive: true, withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const found: StoredObject[] = [];
    for (const e of entries) {
      if (!e.isFile()) continue;
      const key = relative(this.where, join(e.parentPath, e.name)).split(sep).join('/');
      if (key.startsWith(prefix) && !key.endsWith('.partial')) found.push({ key, size: (await stat(join(e.parentPath, e.name))).size });
    }
    yield* found.sort((a, b) => a.key.localeCompare(b.key));
  }

  async remove(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
  }

  // A prefix that names a folder (`ID/`) goes with the folder, its temporary files included; any other prefix deletes
  // the objects listed under it.
  async removePrefix(prefix: string): Promise<number> {
    let n = 0;
    for await (const o of this.list(prefix)) await this.remove(o.key), n++;
    if (prefix.endsWith('/') && prefix.length > 1) await rm(this.file(prefix.slice(0, -1)), { recursive: true, force: true });
    return n;
  }

  close(): void {}

  private file(key: string): string {
    return join(this.where, ...key.split('/'));
  }
}

// The bytes on disk before the rename makes them the object: a crash after it never leaves an empty file.
async function flush(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
