import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import type { PipelineLogger } from '../core/pipeline.js';
import type { Inbox } from './inbox.js';
import { ReplyCode } from './protocol.js';
import { peerOf, Reception, replyAndClose, type StoredFile } from './receive.js';
import { tokenChecker } from './token.js';

export interface TransferServerOptions {
  host: string;
  port: number;
  inbox: Inbox;
  token: string;
  tls?: { cert: Buffer; key: Buffer };
  maxBytes: number;
  maxConnections: number;
  headerTimeoutMs: number;
  idleTimeoutMs: number;
  log: PipelineLogger;
  onStored(file: StoredFile): void;
}

// Connections that have not sent a valid header yet, beyond which the oldest of them is let go.
const MIN_WAITING = 256;

// `logs serve`: accepts connections (TCP or TLS), one Reception each. --max-connections bounds the transfers of
// clients that passed the token; the others wait for their header in a separate, bounded pool.
export class TransferServer {
  private readonly receptions = new Set<Reception>();
  /** Receptions that have not been admitted yet, oldest first. */
  private readonly waiting = new Set<Reception>();
  private transfers = 0;
  private readonly sockets = new Set<Socket>();
  private stopping = false;

  private constructor(
    private readonly server: net.Server,
    readonly address: { host: string; port: number },
  ) {}

  static async start(options: TransferServerOptions): Promise<TransferServer> {
    const receiving = new Set<string>();
    const checkToken = tokenChecker(options.token);
    const maxWaiting = Math.max(MIN_WAITING, 4 * options.maxConnections);
    let self: TransferServer | undefined;
    const onConnection = (socket: Socket) => {
      socket.on('error', (error) => options.log.debug(`Connection from ${peerOf(socket)}: ${error.message}`));
      const server = self!;
      server.sockets.add(socket);
      socket.once('close', () => server.sockets.delete(socket));
      if (server.stopping) return replyAndClose(socket, { ok: false, code: ReplyCode.Busy, message: 'the server is shutting down; try again later' });
      if (server.waiting.size >= maxWaiting) {
        const oldest = server.waiting.values().next().value!;
        server.waiting.delete(oldest);
        options.log.warn(`${maxWaiting} connections are waiting to send a header: letting the oldest, from ${oldest.peer}, go.`);
        oldest.shed();
      }
      const admit = () => {
        if (server.transfers >= options.maxConnections) {
          options.log.warn(`Refused a transfer from ${peerOf(socket)}: ${ReplyCode.Busy}: ${options.maxConnections} transfers at once already.`);
          return false;
        }
        server.transfers++;
        server.waiting.delete(reception);
        return true;
      };
      const reception: Reception = new Reception(socket, { ...options, checkToken, receiving, admit });
      server.receptions.add(reception);
      server.waiting.add(reception);
      void reception.done.then(() => {
        server.receptions.delete(reception);
        server.waiting.delete(reception);
        if (reception.admitted) server.transfers--;
      });
    };
    const server = options.tls
      ? tls.createServer({ ...options.tls, allowHalfOpen: true, handshakeTimeout: options.headerTimeoutMs, minVersion: 'TLSv1.2' }, onConnection)
      : net.createServer({ allowHalfOpen: true, noDelay: true }, onConnection);
    // A failed handshake (a client without TLS, a certificate it refused) concerns that client only.
    server.on('tlsClientError', (error: Error, socket: Socket) => options.log.debug(`TLS handshake with ${peerOf(socket)} failed: ${error.message}`));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => (server.off('error', reject), resolve()));
    });
    const { address, port } = server.address() as net.AddressInfo;
    self = new TransferServer(server, { host: address, port });
    return self;
  }

  /** Files being received at this moment. */
  get busy(): number {
    return this.receptions.size;
  }

  // Stop accepting; clients that have not started a file are turned away, files under way get `graceMs` to finish.
  async close(graceMs: number): Promise<void> {
    this.stopping = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const r of this.receptions) r.stop(false);
    const all = () => Promise.all([...this.receptions].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    for (const r of this.receptions) r.stop(true);
    await all();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
