import type { Readable } from 'node:stream';

export interface StoredObject {
  key: string;
  size: number;
}

// Where archives live: a local folder or an S3 bucket and prefix. Keys are relative to that place, with `/`.
// An object becomes visible whole or not at all (a rename, a completed upload): what a crash leaves is a
// temporary file or nothing, never a short object under its own name.
export interface ArchiveStore {
  /** For messages: the folder, or s3://bucket/prefix. */
  readonly where: string;
  /** A local file to write the object `key` into before `commit` (beside it for a folder, in the temp folder for S3). */
  spool(key: string): Promise<string>;
  /** Makes the spooled file the object `key`, atomically; its size. */
  commit(key: string, spooled: string): Promise<number>;
  /** Forgets a spooled file that will not be committed. */
  discard(spooled: string): Promise<void>;
  /** A small object whole (the manifest), atomically. */
  put(key: string, body: Buffer): Promise<void>;
  /** The object's bytes, streamed; an error naming the object when there is none. */
  get(key: string): Promise<Readable>;
  /** The object's size, or undefined when there is none. */
  stat(key: string): Promise<number | undefined>;
  /** The objects whose keys start with `prefix`. */
  list(prefix: string): AsyncGenerator<StoredObject>;
  /** Deletes the object `key`; nothing when there is none. */
  remove(key: string): Promise<void>;
  /** Deletes every object whose key starts with `prefix` (temporary files of a folder too); how many objects went. */
  removePrefix(prefix: string): Promise<number>;
  close(): void;
}

// An object the store does not have.
export class ObjectMissing extends Error {
  override name = 'ObjectMissing';

  constructor(where: string, key: string) {
    super(`${where}: no object "${key}"`);
  }
}
