import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type winston from 'winston';
import Transport from 'winston-transport';
import type { LogFileLoss } from '../core/result.js';

const MESSAGE = Symbol.for('message'); // triple-beam's: the line a format made
const BATCH = 1000;
const MAX_PENDING = 10_000;

export interface FileSinkOptions {
  filename: string;
  format: winston.Logform.Format;
  /** Rotated at this size: name.ext is the newest, name1.ext … the older ones (as winston's tailable File). */
  maxBytes: number;
  maxFiles: number;
  /** Told when the file cannot be written (once, until it can again) and when it can. */
  onTrouble(message: string): void;
  /** Lines held while the file cannot be written; beyond it the oldest are dropped and counted. */
  maxPending?: number;
}

// Log lines appended to a file. A write that fails (a full disk, EIO) never stops the program nor the other
// outputs: the failure is reported once, the lines are held (bounded) and tried again, spaced out, and those that
// never reach the file are counted. Written here rather than taken from winston's File, which turns a write
// error into an 'error' event nobody can handle, and stops every output behind the one that stalls.
export class FileSink extends Transport {
  private pending: string[] = [];
  private handle?: FileHandle;
  private size = 0;
  private writing?: Promise<void>;
  private inFlight = 0;
  /** A write stopped inside a line: the next one starts with a line break, so that later lines stay whole. */
  private torn = false;
  private failing = false;
  private failures = 0;
  private nextTryAt = 0;
  private retry?: NodeJS.Timeout;
  private rotationFailed = false;
  private droppedSinceReport = 0;
  private lost = 0;
  private firstError?: string;

  constructor(private readonly o: FileSinkOptions) {
    super({ format: o.format });
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.pending.push(`${String(info[MESSAGE])}\n`);
    // Bounded while the file fails; a file being written takes a burst whole (a `command` printing 30,000 lines at
    // once reaches this in one go from its pipe, not paced by a child's messages).
    const over = this.failing ? this.pending.length + this.inFlight - (this.o.maxPending ?? MAX_PENDING) : 0;
    if (over > 0) this.drop(this.pending.splice(0, Math.min(over, this.pending.length)).length);
    void this.flush();
    next();
  }

  /** What this file lost so far; final once drain() has returned. */
  get loss(): LogFileLoss | undefined {
    return this.lost ? { file: this.o.filename, error: this.firstError ?? 'unknown error', linesLost: this.lost } : undefined;
  }

  // Write what is held, a batch at a time; while failing, only once the next try is due.
  flush(): Promise<void> {
    if (this.failing && Date.now() < this.nextTryAt) return this.writing ?? Promise.resolve();
    this.writing ??= this.writeAll().finally(() => (this.writing = undefined));
    return this.writing;
  }

  // The last lines, within `deadlineMs`, with one more try for a file that was failing: what it still cannot
  // take is counted as lost. Call once the program is about to end.
  async drain(deadlineMs: number): Promise<void> {
    clearTimeout(this.retry);
    this.nextTryAt = 0;
    let wait: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise((resolve) => (wait = setTimeout(resolve, deadlineMs)))]);
    clearTimeout(wait);
    clearTimeout(this.retry);
    if (this.failing) {
      this.drop(this.pending.length);
      this.pending = [];
    }
    if (!this.writing && !this.pending.length) {
      const handle = this.handle;
      this.handle = undefined;
      await handle?.close().catch(() => {});
    }
  }

  private async writeAll(): Promise<void> {
    while (this.pending.length) {
      const lines = this.pending.splice(0, BATCH);
      this.inFlight = lines.length;
      const { written, error } = await this.append(lines);
      this.inFlight = 0;
      if (error === undefined) {
        this.recovered();
        continue;
      }
      // Whole lines that reached the file stay written; the others wait for the next try.
      this.pending.unshift(...lines.slice(written));
      this.failed(error);
      return;
    }
  }

  // Append the lines; how many whole ones reached the file, and what stopped the others.
  private async append(lines: string[]): Promise<{ written: number; error?: unknown }> {
    const prefix = this.torn ? '\n' : '';
    const text = Buffer.from(prefix + lines.join(''));
    let done = 0;
    try {
      const handle = await this.ready();
      while (done < text.length) done += (await handle.write(text, done, text.length - done)).bytesWritten;
      return { written: lines.length };
    } catch (error) {
      let end = Buffer.byteLength(prefix);
      const written = lines.findIndex((line) => (end += Buffer.byteLength(line)) > done);
      return { written: written === -1 ? lines.length : written, error };
    } finally {
      this.size += done;
      if (done > 0) this.torn = text[done - 1] !== 0x0a;
    }
  }

  // The file to write to, opened (its folder made) and rotated once past maxBytes; a rotation that fails is
  // reported once and the file grows on.
  private async ready(): Promise<FileHandle> {
    if (this.handle && this.size < this.o.maxBytes) return this.handle;
    if (this.handle) {
      try {
        await this.rotate();
        this.rotationFailed = false;
      } catch (error) {
        if (!this.rotationFailed) this.o.onTrouble(`Cannot rotate the log file ${this.o.filename}: ${(error as Error).message}. It goes on growing.`);
        this.rotationFailed = true;
        return this.handle;
      }
    }
    await mkdir(dirname(this.o.filename), { recursive: true });
    this.handle = await open(this.o.filename, 'a');
    this.size = (await this.handle.stat()).size;
    return this.size >= this.o.maxBytes ? this.ready() : this.handle;
  }

  // name.ext → name1.ext → … → name{maxFiles-1}.ext, the oldest overwritten; then a new name.ext is opened.
  private async rotate(): Promise<void> {
    const ext = extname(this.o.filename);
    const at = (n: number) => join(dirname(this.o.filename), `${basename(this.o.filename, ext)}${n || ''}${ext}`);
    for (let n = this.o.maxFiles - 1; n > 1; n--) {
      if (await stat(at(n - 1)).then(() => true, () => false)) await rename(at(n - 1), at(n));
    }
    await rename(at(0), at(1));
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => {});
  }

  private failed(error: unknown): void {
    const handle = this.handle;
    this.handle = undefined; // reopened at the next try: the file or its folder may have been replaced
    void handle?.close().catch(() => {});
    this.failures++;
    const delayMs = Math.min(30_000, 1000 * 2 ** (this.failures - 1));
    this.nextTryAt = Date.now() + delayMs;
    clearTimeout(this.retry);
    // The timer makes the try due itself: it can fire a millisecond before Date.now() reaches nextTryAt, and a
    // flush() that found the try not yet due would leave the held lines waiting for the next line logged.
    this.retry = setTimeout(() => {
      this.nextTryAt = 0;
      void this.flush();
    }, delayMs).unref();
    if (this.failing) return;
    this.failing = true;
    const message = error instanceof Error ? error.message : String(error);
    this.firstError ??= message;
    this.o.onTrouble(`Cannot write the log file ${this.o.filename}: ${message}. Its lines are held (at most ${this.o.maxPending ?? MAX_PENDING}) and written when it can be; lines lost are counted. The processes go on.`);
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.failures = 0;
    const dropped = this.droppedSinceReport ? `; ${this.droppedSinceReport} line(s) were lost meanwhile` : '';
    this.droppedSinceReport = 0;
    this.o.onTrouble(`The log file ${this.o.filename} is written again${dropped}.`);
  }

  private drop(lines: number): void {
    this.lost += lines;
    this.droppedSinceReport += lines;
  }
}
