import { createHash } from 'node:crypto';
import { open, stat, type FileHandle } from 'node:fs/promises';
import net, { type Socket } from 'node:net';
import { basename } from 'node:path';
import tls from 'node:tls';
import { withRetries } from '../lib/retry.js';
import { END_FRAME, frameLength, jsonFrame, MAX_CHUNK_BYTES, MAX_HEADER_BYTES, PROTOCOL_VERSION, ProtocolError, ReplyCode, type Header } from './protocol.js';
import { ClientCode, FILE_CHANGED, TransferError } from './errors.js';
import { ReplyReader } from './replies.js';

export interface SendOptions {
  host: string;
  port: number;
  token: string;
  /** TLS, trusting Node's CAs and NODE_EXTRA_CA_CERTS; with `ca`, Node's bundled CAs and `ca` (Node then ignores NODE_EXTRA_CA_CERTS). */
  tls?: { ca?: Buffer };
  /** No progress (connecting, sending, waiting for a reply) for this long fails the try. */
  timeoutMs: number;
  retries: number;
  signal?: AbortSignal;
  /** Bytes of the body sent so far, during a try (restarts at 0 on a retry). */
  onProgress?(sent: number, total: number): void;
  onRetry?(attempt: number, error: TransferError, delayMs: number): void;
  /** Base of the exponential backoff; tests shorten it. */
  backoffMs?: number;
}

export interface SendResult {
  /** The name the server stored it under. */
  stored: string;
  /** The server had the file already and nothing was sent. */
  duplicate: boolean;
  bytes: number;
  seconds: number;
}

// Send one file until the server acknowledges it: hash, then send; retries with backoff on what another try may cure.
export async function sendFile(path: string, options: SendOptions): Promise<SendResult> {
  const signal = options.signal ?? new AbortController().signal;
  let digest: { size: number; sha256: string } | undefined;
  return withRetries(
    async () => {
      digest ??= await hashFile(path);
      try {
        return await sendOnce(path, digest, options);
      } catch (error) {
        if (error instanceof TransferError && FILE_CHANGED.has(error.code)) digest = undefined;
        throw error;
      }
    },
    {
      retries: options.retries,
      signal,
      baseMs: options.backoffMs,
      isPermanent: (error) => !(error instanceof TransferError) || error.final,
      onRetry: (attempt, error, delayMs) => options.onRetry?.(attempt, error as TransferError, delayMs),
    },
  );
}

/** Bytes read at a time while hashing. */
const HASH_READ_BYTES = 4 * 1024 * 1024;
/** Chunk buffers in flight while sending: reused, so that a large file makes no garbage. */
const SEND_BUFFERS = 4;

// The size and SHA-256 the header announces, read from the file as it is now, in two buffers used in turn
// (one is hashed while the next read fills the other).
export async function hashFile(path: string): Promise<{ size: number; sha256: string }> {
  try {
    // Checked before opening: opening a FIFO with no writer would wait for ever.
    if (!(await stat(path)).isFile()) throw new Error('not a regular file');
    const handle = await open(path, 'r');
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new Error('not a regular file');
      // Exactly the bytes there now: a log still being written may grow, and the rest is for another day.
      const target = info.size;
      const hash = createHash('sha256');
      const buffers = [0, 1].map(() => Buffer.allocUnsafe(Math.min(HASH_READ_BYTES, target)));
      const readInto = (buffer: Buffer, position: number) => handle.read(buffer, 0, Math.min(buffer.length, target - position), position);
      let size = 0;
      let next = target > 0 ? readInto(buffers[0]!, 0) : undefined;
      for (let turn = 1; next; turn ^= 1) {
        const { bytesRead, buffer } = await next;
        if (bytesRead === 0) break;
        size += bytesRead;
        next = size < target ? readInto(buffers[turn]!, size) : undefined;
        hash.update(buffer.subarray(0, bytesRead));
      }
      return { size, sha256: hash.digest('hex') };
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new TransferError(ClientCode.File, `cannot read "${path}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
}

// One try over one connection: header, the server's go-ahead, the body as chunk frames, the acknowledgement.
export async function sendOnce(path: string, digest: { size: number; sha256: string }, options: SendOptions): Promise<SendResult> {
  const started = performance.now();
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new TransferError(ClientCode.File, `cannot read "${path}": ${error.code ?? error.message}`, { cause: error });
  });
  let socket: Socket | undefined;
  let replies: ReplyReader | undefined;
  try {
    socket = await connect(options);
    replies = new ReplyReader(socket, MAX_HEADER_BYTES, options.timeoutMs);
    const header: Header = { v: PROTOCOL_VERSION, token: options.token, name: basename(path), size: digest.size, sha256: digest.sha256 };
    socket.write(jsonFrame(header));
    const first = await replies.next('before replying to the header');
    if (!first.ok) throw new TransferError(first.code, first.message);
    if (first.duplicate) return { stored: first.stored ?? '', duplicate: true, bytes: digest.size, seconds: (performance.now() - started) / 1000 };
    const sent = await sendBody(handle, digest.size, socket, replies, options.onProgress);
    if (sent !== digest.size) throw new TransferError(ReplyCode.SizeMismatch, `"${path}" is shorter than when it was hashed (${sent} of ${digest.size} bytes)`);
    socket.write(END_FRAME);
    const last = await replies.next('before acknowledging the file');
    if (!last.ok) throw new TransferError(last.code, last.message);
    return { stored: last.stored ?? '', duplicate: false, bytes: digest.size, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    if (error instanceof ProtocolError) throw new TransferError(error.code, error.message);
    throw error;
  } finally {
    replies?.dispose();
    socket?.destroy();
    await handle.close();
  }
}

// The first `size` bytes of the file as chunk frames; a buffer is read into again only once the socket has let go of it.
async function sendBody(handle: FileHandle, size: number, socket: Socket, replies: ReplyReader, onProgress?: (sent: number, total: number) => void): Promise<number> {
  const chunk = Math.min(MAX_CHUNK_BYTES, size);
  const slots = Array.from({ length: Math.min(SEND_BUFFERS, Math.ceil(size / MAX_CHUNK_BYTES)) }, () => ({ buffer: Buffer.allocUnsafe(chunk), written: Promise.resolve() }));
  let sent = 0;
  for (let k = 0; sent < size; k = (k + 1) % slots.length) {
    const slot = slots[k]!;
    // A refusal mid-file (the server stopping, a timeout) ends the sending at once.
    await replies.until(slot.written);
    const { bytesRead } = await handle.read(slot.buffer, 0, Math.min(chunk, size - sent), sent);
    if (bytesRead === 0) break;
    socket.cork();
    socket.write(frameLength(bytesRead));
    slot.written = new Promise((resolve) => socket.write(slot.buffer.subarray(0, bytesRead), () => resolve()));
    socket.uncork();
    sent += bytesRead;
    onProgress?.(sent, size);
    if (socket.writableNeedDrain) await replies.drained();
  }
  return sent;
}

function connect(options: SendOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const where = `${options.host}:${options.port}`;
    const socket: Socket = options.tls
      ? tls.connect({ host: options.host, port: options.port, ca: options.tls.ca ? [...tls.rootCertificates, options.tls.ca.toString()] : undefined, servername: net.isIP(options.host) ? undefined : options.host })
      : net.connect({ host: options.host, port: options.port, noDelay: true });
    const ready = options.tls ? 'secureConnect' : 'connect';
    const onTimeout = () => socket.destroy(new TransferError(ClientCode.Timeout, `no connection to ${where} within ${options.timeoutMs / 1000} s`));
    socket.setTimeout(options.timeoutMs, onTimeout);
    const onError = (error: Error) => {
      socket.destroy();
      reject(error instanceof TransferError ? error : connectError(error, where, Boolean(options.tls)));
    };
    socket.once('error', onError);
    socket.once(ready, () => {
      socket.off('error', onError);
      socket.off('timeout', onTimeout);
      socket.setTimeout(0);
      resolve(socket);
    });
  });
}

function connectError(error: NodeJS.ErrnoException, where: string, secure: boolean): TransferError {
  // A certificate the client does not trust, or a peer that does not speak TLS: trying again will not change it.
  if (secure && (error.code === undefined || /CERT|SELF_SIGNED|UNABLE_TO|ALTNAME|SSL|TLS|EPROTO/.test(error.code))) {
    // OpenSSL's own text ("0A00010B:SSL routines:ssl3_get_record:wrong version number:…") says less than its code.
    const why = /SSL routines/.test(error.message) ? `${error.code ?? 'a TLS error'} (does the server use TLS? serve does only with --tls-cert)` : error.message;
    return new TransferError(ClientCode.Tls, `TLS with ${where} failed: ${why}`, { cause: error });
  }
  return new TransferError(ClientCode.Connect, `cannot connect to ${where}: ${error.code ?? error.message}`, { cause: error });
}
