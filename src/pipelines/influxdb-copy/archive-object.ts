import { close, ftruncate, open, write } from 'node:fs';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { compressor, type Compression } from '../../archive/codec.js';
import { LineDigest } from '../../archive/line-digest.js';
import type { ArchiveStore } from '../../archive/store.js';
import { fieldTypesOfLine } from './line-fields.js';
import { LineBuffer } from './lines.js';

// Bytes of lines handed to the compressor at once.
const CHUNK = 256 * 1024;

// One object of an archive, written as its windows are read: each window is a compressed frame of its own, appended
// to a spooled file, so that a window read again after its stream broke replaces what its first try wrote (the file
// is cut back) instead of adding its points twice. Committed whole (rename, or a completed upload) at the end.
export class ObjectWriter {
  /** A plain descriptor: a FileHandle lent to a write stream waits for it forever on close. */
  private fd?: number;
  private spooled?: string;
  private size = 0;
  readonly digest = new LineDigest();
  readonly fields = new Map<string, Set<string>>();

  constructor(
    private readonly store: ArchiveStore,
    readonly key: string,
    private readonly compression: Compression,
    /** The shard group the object holds, [start, end). */
    readonly group: { start: bigint; end: bigint },
  ) {}

  get points(): number {
    return this.digest.lines;
  }

  // One try at a window: `fill` appends its lines to the sink; on failure the file is cut back to where the window
  // began and nothing of it counts.
  async window(typesOf: boolean, fill: (sink: WindowSink) => Promise<void>): Promise<void> {
    if (this.fd === undefined) {
      this.spooled = await this.store.spool(this.key);
      this.fd = await promisify(open)(this.spooled, 'w');
    }
    const start = this.size;
    const z = compressor(this.compression);
    const out = new FileRange(this.fd, start);
    const written = pipeline(z, out);
    const sink = new WindowSink(z, typesOf);
    try {
      await fill(sink);
      await sink.flush();
      z.end();
      await written;
      this.size = out.position;
      this.digest.merge(sink.digest);
      for (const [field, types] of sink.fields) this.fields.set(field, new Set([...(this.fields.get(field) ?? []), ...types]));
    } catch (error) {
      z.destroy();
      await written.catch(() => {});
      await promisify(ftruncate)(this.fd, start);
      throw error;
    }
  }

  // The object made visible; its size.
  async commit(): Promise<number> {
    await promisify(close)(this.fd!);
    this.fd = undefined;
    return this.store.commit(this.key, this.spooled!);
  }

  async discard(): Promise<void> {
    if (this.fd !== undefined) await promisify(close)(this.fd).catch(() => {});
    this.fd = undefined;
    if (this.spooled) await this.store.discard(this.spooled);
  }
}

// Writes at a position of a descriptor it does not own: destroying it (a window that failed) leaves the file open,
// which fs.WriteStream would close whatever its autoClose says.
class FileRange extends Writable {
  constructor(
    private readonly fd: number,
    public position: number,
  ) {
    super();
  }

  override _write(chunk: Buffer, _: BufferEncoding, done: (error?: Error | null) => void): void {
    write(this.fd, chunk, 0, chunk.length, this.position, (error, n) => {
      this.position += n ?? 0;
      done(error);
    });
  }
}

// Where one window's lines go: `out` collects them (readLines appends to it), each is hashed as it ends, and the
// bytes go to the compressor a chunk at a time. With `typesOf`, the type of each field of each line is noted (for a
// measurement whose fields have several types: the manifest keeps them per shard group).
export class WindowSink {
  readonly digest = new LineDigest();
  readonly fields = new Map<string, Set<string>>();
  readonly out = new LineBuffer(CHUNK * 2);
  private mark = 0;

  constructor(
    private readonly z: NodeJS.WritableStream,
    private readonly typesOf = false,
  ) {}

  // After each line readLines appended; a promise when the compressor is behind.
  line(): Promise<void> | undefined {
    const { buf, length } = this.out;
    this.digest.add(buf, this.mark, length - 1);
    if (this.typesOf) fieldTypesOfLine(buf, this.mark, length - 1, (field, type) => {
      const set = this.fields.get(field);
      if (set) set.add(type);
      else this.fields.set(field, new Set([type]));
    });
    this.mark = length;
    return length >= CHUNK ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    if (this.out.length === 0) return;
    const data = Buffer.from(this.out.buf.subarray(0, this.out.length));
    this.out.clear();
    this.mark = 0;
    if (!this.z.write(data)) await once(this.z as NodeJS.EventEmitter, 'drain');
  }
}
