import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { ClientCode, TransferError } from './errors.js';
import { FrameDecoder, parseReply, ProtocolError, type Reply } from './protocol.js';

// The client's side of the replies: frames read as they come, whatever the client is doing, so that a refusal
// in the middle of a file is seen at once; a closed, failed or silent connection becomes a TransferError.
export class ReplyReader {
  private readonly replies: Reply[] = [];
  private failure: TransferError | undefined;
  private wake: (() => void) | undefined;
  private parts: Buffer[] = [];
  private readonly onData: (buffer: Buffer) => void;
  private readonly onGone: (error?: Error) => void;

  constructor(
    private readonly socket: Socket,
    maxBytes: number,
    timeoutMs: number,
  ) {
    const decoder = new FrameDecoder({
      start: (length) => {
        if (length > maxBytes) throw new ProtocolError(ClientCode.Protocol, `the server sent a reply of ${length} bytes (is it a log transfer server?)`);
      },
      data: (bytes) => void this.parts.push(Buffer.from(bytes)),
      end: () => {
        this.replies.push(parseReply(Buffer.concat(this.parts)));
        this.parts = [];
        this.notify();
      },
    });
    this.onData = (buffer) => {
      try {
        decoder.push(buffer);
      } catch (error) {
        this.fail(error instanceof ProtocolError ? new TransferError(error.code, error.message) : (error as Error));
        socket.destroy();
      }
    };
    this.onGone = (error?: Error) => {
      const why = error ? `: ${(error as NodeJS.ErrnoException).code ?? error.message}` : '';
      this.fail(error instanceof TransferError ? error : new TransferError(ClientCode.Disconnected, `the server closed the connection${why}`, { cause: error }));
    };
    socket.on('data', this.onData);
    socket.on('error', this.onGone);
    socket.on('close', () => this.onGone());
    socket.setTimeout(timeoutMs, () => socket.destroy(new TransferError(ClientCode.Timeout, `no progress for ${timeoutMs / 1000} s`)));
  }

  // The next reply; `when` says in the error at which point the server went away.
  async next(when: string): Promise<Reply> {
    for (;;) {
      const reply = this.replies.shift();
      if (reply) return reply;
      if (this.failure) throw this.explain(this.failure, when);
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  // While sending: a reply now can only be a refusal (or a server that does not follow the protocol).
  throwIfReplied(): void {
    const reply = this.replies[0];
    if (reply && !reply.ok) throw new TransferError(reply.code, reply.message);
    if (reply) throw new TransferError(ClientCode.Protocol, 'the server replied before the file was complete');
    if (this.failure) throw this.failure;
  }

  // Until `promise` settles; a refusal or a failure meanwhile is thrown.
  async until(promise: Promise<unknown>): Promise<void> {
    let settled = false;
    void promise.finally(() => {
      settled = true;
      this.notify();
    });
    while (!settled && !this.failure && !this.replies.length) await new Promise<void>((resolve) => (this.wake = resolve));
    this.throwIfReplied();
  }

  // Until the socket can take more bytes; a refusal or a failure meanwhile is thrown.
  async drained(): Promise<void> {
    const drain = () => this.notify();
    this.socket.once('drain', drain);
    try {
      while (this.socket.writableNeedDrain && !this.failure && !this.replies.length) await new Promise<void>((resolve) => (this.wake = resolve));
    } finally {
      this.socket.off('drain', drain);
    }
    this.throwIfReplied();
  }

  dispose(): void {
    this.socket.setTimeout(0);
    this.socket.off('data', this.onData);
  }

  private fail(error: Error): void {
    this.failure ??= error instanceof TransferError ? error : new TransferError(ClientCode.Protocol, error.message);
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private explain(error: TransferError, when: string): TransferError {
    if (error.code !== ClientCode.Disconnected) return error;
    // A TLS server closes on a client that does not speak TLS without a word.
    const hint = this.socket instanceof TLSSocket ? '' : ' (if the server uses TLS, pass --tls)';
    return new TransferError(error.code, `${error.message} ${when}${when.startsWith('before replying to the header') ? hint : ''}`, { cause: error.cause });
  }
}
