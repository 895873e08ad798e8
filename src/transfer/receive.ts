import { createHash, type Hash } from 'node:crypto';
import type { Socket } from 'node:net';
import type { PipelineLogger } from '../core/pipeline.js';
import type { Inbox } from './inbox.js';
import { PartialFile } from './partial-file.js';
import { checkName, FrameDecoder, jsonFrame, MAX_CHUNK_BYTES, MAX_HEADER_BYTES, parseHeader, ProtocolError, ReplyCode, type Header, type Reply } from './protocol.js';

/** How long a refused client has to read its reply before the connection is cut. */
const LINGER_MS = 2000;

export interface ReceiveOptions {
  inbox: Inbox;
  checkToken(candidate: string): boolean;
  maxBytes: number;
  headerTimeoutMs: number;
  idleTimeoutMs: number;
  /** Digests being received right now, on any connection: the same file twice at once is one too many. */
  receiving: Set<string>;
  /** An authenticated client asks for one of the --max-connections transfer slots; false: none is free. */
  admit(): boolean;
  maxConnections: number;
  log: PipelineLogger;
  onStored(file: StoredFile): void;
}

// A file received whole, verified and renamed into the inbox.
export interface StoredFile {
  path: string;
  name: string;
  bytes: number;
  seconds: number;
  peer: string;
}

type State = 'header' | 'checking' | 'body' | 'finishing' | 'closed';

// One connection, one file: header → checks → reply → body into a temporary file → verify → rename → reply.
// Whatever goes wrong ends in a reply with a code (or a cut connection) and no temporary file left behind.
export class Reception {
  readonly peer: string;
  /** Settles once the connection is over and nothing of it is left on disk. */
  readonly done: Promise<void>;
  private state: State = 'header';
  private readonly decoder: FrameDecoder;
  private headerParts: Buffer[] = [];
  private header: Header | undefined;
  private file: PartialFile | undefined;
  private hash: Hash | undefined;
  private received = 0;
  private frameLength = 0;
  private bodyStarted = 0;
  private headerTimer: NodeJS.Timeout;
  private idleTimer: NodeJS.Timeout | undefined;
  /** This connection holds its digest in `receiving`. */
  private claimed = false;
  /** It passed the token and holds a transfer slot (until `done`). */
  admitted = false;
  /** The client has sent everything it will send (a half-close); its frames may still be waiting to be read. */
  private peerEnded = false;
  private work: Promise<void> = Promise.resolve();
  private cleanup: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: Socket,
    private readonly options: ReceiveOptions,
  ) {
    this.peer = peerOf(socket);
    this.decoder = new FrameDecoder({ start: (n) => this.onFrameStart(n), data: (b) => this.onFrameData(b), end: () => this.onFrameEnd() });
    this.headerTimer = setTimeout(() => this.fail(ReplyCode.Timeout, `no complete header within ${options.headerTimeoutMs / 1000} s`), options.headerTimeoutMs);
    socket.on('data', (buffer: Buffer) => {
      if (this.state === 'closed') return;
      try {
        this.decoder.push(buffer);
      } catch (error) {
        this.failWith(error);
      }
    });
    const gone = () => this.onGone();
    // A client may send its whole file and half-close before the header is checked: its frames are still
    // buffered then, so the end of its sending is judged once they have been read.
    socket.on('end', () => {
      if (this.state === 'checking') this.peerEnded = true;
      else gone();
    });
    socket.on('error', gone);
    const closed = new Promise<void>((resolve) => socket.once('close', () => (gone(), resolve())));
    this.done = closed.then(() => this.work).then(() => this.cleanup);
  }

  // Too many clients have not sent a valid header yet: the oldest waiting one goes, so a flood of idle
  // connections cannot keep out the clients that have a token.
  shed(): void {
    if (this.state === 'header') this.fail(ReplyCode.Busy, 'too many connections are waiting to send their header; try again later');
  }

  // A server that is stopping turns away a client that has not started its file, and cuts one that overstays the grace.
  stop(evenMidFile: boolean): void {
    if (this.state === 'header' || (evenMidFile && (this.state === 'checking' || this.state === 'body'))) {
      this.fail(ReplyCode.Busy, 'the server is shutting down; try again later');
    }
  }

  private onFrameStart(length: number): void {
    this.frameLength = length;
    if (this.state === 'header') {
      // 0x16 0x03: the start of a TLS handshake, from a client sent with --tls to a server without it.
      const tls = length >>> 16 === 0x1603 ? ' (these are the first bytes of a TLS handshake: this server runs without TLS)' : '';
      if (length > MAX_HEADER_BYTES) throw new ProtocolError(ReplyCode.HeaderTooLarge, `a header of ${length} bytes; at most ${MAX_HEADER_BYTES} are accepted${tls}`);
      if (length === 0) throw new ProtocolError(ReplyCode.BadHeader, 'expected the header to be a JSON object, got an empty frame');
    } else if (this.state === 'body') {
      const size = this.header!.size;
      if (length > MAX_CHUNK_BYTES) throw new ProtocolError(ReplyCode.BadFrame, `a chunk of ${length} bytes; at most ${MAX_CHUNK_BYTES} are accepted`);
      if (this.received + length > size) throw new ProtocolError(ReplyCode.SizeMismatch, `more bytes than the ${size} announced`);
    }
  }

  private onFrameData(bytes: Buffer): void {
    if (this.state === 'header') {
      this.headerParts.push(Buffer.from(bytes));
      return;
    }
    if (this.state !== 'body') return;
    this.idleTimer?.refresh();
    this.hash!.update(bytes);
    this.received += bytes.length;
    // Backpressure: no more socket reads while the disk is behind, so a fast client cannot fill the memory.
    if (!this.file!.write(bytes) && !this.socket.isPaused()) {
      this.socket.pause();
      clearTimeout(this.idleTimer);
      this.file!.onDrain(() => {
        if (this.state !== 'body') return;
        this.armIdleTimer();
        this.socket.resume();
      });
    }
  }

  private onFrameEnd(): boolean {
    if (this.state === 'header') {
      clearTimeout(this.headerTimer);
      this.state = 'checking';
      this.socket.pause();
      this.work = this.check(Buffer.concat(this.headerParts));
      this.headerParts = [];
      return true;
    }
    if (this.state === 'body' && this.frameLength === 0) {
      this.state = 'finishing';
      clearTimeout(this.idleTimer);
      this.socket.pause();
      this.work = this.finish();
      return true;
    }
    return false;
  }

  // Parse, authenticate, then the checks only an authenticated client hears about.
  private async check(bytes: Buffer): Promise<void> {
    try {
      const header = parseHeader(bytes);
      if (!this.options.checkToken(header.token)) throw new ProtocolError(ReplyCode.Auth, 'the token was not accepted');
      const badName = checkName(header.name);
      if (badName) throw new ProtocolError(ReplyCode.BadName, badName);
      this.header = header;
      const { maxBytes, receiving, inbox } = this.options;
      if (header.size > maxBytes) throw new ProtocolError(ReplyCode.TooLarge, `the file is ${header.size} bytes; this server accepts at most ${maxBytes}`);
      if (!this.options.admit()) throw new ProtocolError(ReplyCode.Busy, `the server is busy (${this.options.maxConnections} transfers at once); try again later`);
      this.admitted = true;
      if (receiving.has(header.sha256)) throw new ProtocolError(ReplyCode.Busy, 'the same file is being received on another connection; try again later');
      receiving.add(header.sha256);
      this.claimed = true;
      const duplicate = await inbox.findDuplicate(header.sha256, header.size);
      if (this.state !== 'checking') return;
      if (duplicate) {
        this.options.log.info(`"${header.name}" from ${this.peer} is already stored as ${duplicate}: nothing to receive.`);
        return this.close({ ok: true, duplicate: true, stored: duplicate });
      }
      this.file = await PartialFile.create(inbox, (error) => this.failWith(error));
      // The client may have gone while the file was being opened.
      if (this.state !== 'checking') return this.release();
      this.hash = createHash('sha256');
      this.state = 'body';
      this.bodyStarted = performance.now();
      this.armIdleTimer();
      this.socket.write(jsonFrame({ ok: true } satisfies Reply));
      this.decoder.resume();
      // Everything the client sent has been read now; if it ended without the end frame, it is gone.
      if (this.peerEnded && this.state === 'body') return this.onGone();
      if (this.state === 'body') this.socket.resume();
    } catch (error) {
      this.failWith(error);
    }
  }

  // The last frame is in: size and digest, then fsync, rename and fsync the folder; only then the acknowledgement.
  private async finish(): Promise<void> {
    const header = this.header!;
    const file = this.file!;
    try {
      await file.complete();
      const digest = this.hash!.digest('hex');
      if (this.received !== header.size) throw new ProtocolError(ReplyCode.SizeMismatch, `received ${this.received} bytes; the header announced ${header.size}`);
      if (digest !== header.sha256) throw new ProtocolError(ReplyCode.HashMismatch, `the SHA-256 of the bytes received is ${digest}; the header announced ${header.sha256}`);
      const path = await this.options.inbox.commit(file.path, header.sha256, header.name);
      this.file = undefined;
      const seconds = (performance.now() - this.bodyStarted) / 1000;
      const stored = this.options.inbox.storedName(header.sha256, header.name);
      this.options.log.info(`Received "${header.name}" (${header.size} bytes, ${megabytesPerSecond(header.size, seconds)} MB/s) from ${this.peer}, stored as ${stored}.`);
      this.close({ ok: true, stored });
      this.options.onStored({ path, name: header.name, bytes: header.size, seconds, peer: this.peer });
    } catch (error) {
      this.failWith(error);
    }
  }

  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    const ms = this.options.idleTimeoutMs;
    this.idleTimer = setTimeout(() => this.fail(ReplyCode.Timeout, `no data for ${ms / 1000} s; the transfer was abandoned`), ms);
  }

  private failWith(error: unknown): void {
    if (error instanceof ProtocolError) return this.fail(error.code, error.message);
    // The reason stays in the server's log; the client learns only that it may try again.
    this.options.log.error(`Could not store the file from ${this.peer}: ${(error as Error).message}`);
    this.fail(ReplyCode.Storage, 'the server could not store the file; try again later');
  }

  // Refuse: the reply with its code, then close; the temporary file goes.
  private fail(code: string, message: string): void {
    if (this.state === 'closed') return;
    const what = this.header ? `"${this.header.name}" from ${this.peer}` : `a file from ${this.peer}`;
    this.options.log.warn(`Refused ${what}: ${code}: ${message}`);
    this.close({ ok: false, code, message });
  }

  private close(reply: Reply): void {
    this.state = 'closed';
    clearTimeout(this.headerTimer);
    clearTimeout(this.idleTimer);
    this.release();
    replyAndClose(this.socket, reply);
  }

  // The client went away: whatever was not finished is dropped.
  private onGone(): void {
    if (this.state === 'finishing' || this.state === 'closed') return;
    if (this.state === 'body') {
      const header = this.header!;
      this.options.log.warn(`${this.peer} disconnected after ${this.received} of ${header.size} bytes of "${header.name}"; the partial file was deleted.`);
    } else {
      this.options.log.debug(`${this.peer} disconnected before its file was accepted.`);
    }
    this.state = 'closed';
    clearTimeout(this.headerTimer);
    clearTimeout(this.idleTimer);
    this.release();
    this.socket.destroy();
  }

  private release(): void {
    if (this.claimed) this.options.receiving.delete(this.header!.sha256);
    this.claimed = false;
    const file = this.file;
    this.file = undefined;
    if (!file) return;
    this.cleanup = this.cleanup
      .then(() => file.discard(this.options.inbox))
      .catch((error: Error) => this.options.log.error(`Could not delete the temporary file ${file.path}: ${error.message}`));
  }
}

// Send the last reply and close our side; the peer's remaining bytes are read and dropped so that the reply is not lost
// to a reset, and a peer that does not close in time is cut.
export function replyAndClose(socket: Socket, reply: Reply): void {
  if (socket.destroyed) return;
  const cut = setTimeout(() => socket.destroy(), LINGER_MS);
  socket.once('close', () => clearTimeout(cut));
  socket.once('end', () => socket.destroy());
  socket.end(jsonFrame(reply));
  socket.resume();
}

export function peerOf(socket: Socket): string {
  const address = socket.remoteAddress ?? 'unknown';
  return `${address.includes(':') ? `[${address}]` : address}:${socket.remotePort ?? '?'}`;
}

export function megabytesPerSecond(bytes: number, seconds: number): string {
  return seconds > 0 ? (bytes / 1e6 / seconds).toFixed(1) : '-';
}
