import type { FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { Inbox } from './inbox.js';

/** Disk writes queued before write() asks the caller to wait. */
const WRITE_BUFFER_BYTES = 4 * 1024 * 1024;
/** Flushed to disk as the file arrives, this often: the final fsync has little left, and a large file does not pile up dirty pages. */
const SYNC_EVERY_BYTES = 32 * 1024 * 1024;

// The temporary file a body is written into, in the inbox's .partial/ folder: written as it arrives, then made
// durable (complete) or deleted (discard).
export class PartialFile {
  private unsynced = 0;
  private syncing: Promise<void> | undefined;
  /** A failed intermediate flush: Linux reports a writeback error once, so it must fail the file here. */
  private syncError: Error | undefined;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly stream: Writable,
  ) {}

  static async create(inbox: Inbox, onError: (error: Error) => void): Promise<PartialFile> {
    const { path, handle } = await inbox.createPartial();
    // autoClose off: the file is fsynced before it is closed.
    const stream = handle.createWriteStream({ autoClose: false, highWaterMark: WRITE_BUFFER_BYTES });
    stream.on('error', onError);
    return new PartialFile(path, handle, stream);
  }

  // False when the caller should wait for onDrain before writing more (backpressure, as Writable.write).
  write(bytes: Buffer): boolean {
    this.unsynced += bytes.length;
    if (this.unsynced >= SYNC_EVERY_BYTES && !this.syncing) this.flush();
    return this.stream.write(bytes);
  }

  onDrain(callback: () => void): void {
    this.stream.once('drain', callback);
  }

  // Every byte written, on disk, and the file closed: ready to be renamed.
  async complete(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
    await this.syncing;
    if (this.syncError) throw this.syncError;
    await this.handle.sync();
    // The stream holds the handle until it is destroyed.
    this.stream.destroy();
    await this.handle.close();
  }

  // Stop writing and delete it; safe to call at any point, and more than once.
  async discard(inbox: Inbox): Promise<void> {
    this.stream.destroy();
    await this.handle.close().catch(() => undefined);
    await inbox.discard(this.path);
  }

  // Start writing back what the kernel holds of the file while the rest arrives; one flush at a time.
  private flush(): void {
    this.unsynced = 0;
    this.syncing = this.handle
      .datasync()
      .catch((error: Error) => void (this.syncError ??= error))
      .finally(() => (this.syncing = undefined));
  }
}
