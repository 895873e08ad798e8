import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import type { PipelineLogger } from '../../types.js';
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

// Connections past --max-connections are answered E_BUSY; this many more may wait for that answer before the kernel's queue takes over.
const REFUSING_HEADROOM = 64;

// `logs serve`: accepts connections (TCP or TLS), one Reception each, at most `maxConnections` at once.
export class TransferServer {
  private readonly receptions = new Set<Reception>();
  private readonly sockets = new Set<Socket>();
  private stopping = false;

  private constructor(
    private readonly server: net.Server,
    readonly address: { host: string; port: number },
  ) {}

  static async start(options: TransferServerOptions): Promise<TransferServer> {
    const receiving = new Set<string>();
    const checkToken = tokenChecker(options.token);
    let self: TransferServer | undefined;
    const onConnection = (socket: Socket) => {
      socket.on('error', (error) => options.log.debug(`Connection from ${peerOf(socket)}: ${error.message}`));
      const server = self!;
      server.sockets.add(socket);
      socket.once('close', () => server.sockets.delete(socket));
      if (server.stopping) return replyAndClose(socket, { ok: false, code: ReplyCode.Busy, message: 'the server is shutting down; try again later' });
      if (server.receptions.size >= options.maxConnections) {
        options.log.warn(`Refused a connection from ${peerOf(socket)}: ${ReplyCode.Busy}: ${options.maxConnections} transfers at once already.`);
        return replyAndClose(socket, { ok: false, code: ReplyCode.Busy, message: `the server is busy (${options.maxConnections} transfers at once); try again later` });
      }
      const reception = new Reception(socket, { ...options, checkToken, receiving });
      server.receptions.add(reception);
      void reception.done.then(() => server.receptions.delete(reception));
    };
    const server = options.tls
      ? tls.createServer({ ...options.tls, allowHalfOpen: true, handshakeTimeout: options.headerTimeoutMs, minVersion: 'TLSv1.2' }, onConnection)
      : net.createServer({ allowHalfOpen: true, noDelay: true }, onConnection);
    // A failed handshake (a client without TLS, a certificate it refused) concerns that client only.
    server.on('tlsClientError', (error: Error, socket: Socket) => options.log.debug(`TLS handshake with ${peerOf(socket)} failed: ${error.message}`));
    server.maxConnections = options.maxConnections + REFUSING_HEADROOM;
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
