import { createHash } from 'node:crypto';
import net from 'node:net';
import { startCli, waitFor, type CliResult, EVENT_MS } from './cli.js';

// What the server answers, as the tests read it (parsed here, independently of src/).
export type PeerReply = { ok: true; stored?: string; duplicate?: boolean } | { ok: false; code: string; message: string };

export const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

// A valid header for `content`; each test spoils what it tests.
export function headerFor(content: Buffer | string, name: string, token: string): Record<string, unknown> {
  return { v: 1, token, name, size: Buffer.byteLength(content), sha256: sha256(content) };
}

// A raw client of the transfer protocol: writes exactly the bytes a test asks for, and reads the replies.
export class LogsPeer {
  private received = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | undefined;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.received = Buffer.concat([this.received, d]);
      this.notify();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.ended = true;
      this.notify();
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<LogsPeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host }, () => resolve(new LogsPeer(socket)));
      socket.once('error', reject);
    });
  }

  // A frame: its 4-byte big-endian length, then the bytes.
  frame(bytes: Buffer | string): this {
    const body = Buffer.from(bytes);
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(body.length);
    this.socket.write(Buffer.concat([prefix, body]));
    return this;
  }

  header(header: Record<string, unknown>): this {
    return this.frame(JSON.stringify(header));
  }

  raw(bytes: Buffer): this {
    this.socket.write(bytes);
    return this;
  }

  end(): this {
    return this.raw(Buffer.alloc(4));
  }

  // The next reply, or "closed" when the server closes without one.
  async reply(timeoutMs = EVENT_MS): Promise<PeerReply | 'closed'> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.received.length >= 4) {
        const length = this.received.readUInt32BE(0);
        if (this.received.length >= 4 + length) {
          const text = this.received.subarray(4, 4 + length).toString('utf8');
          this.received = this.received.subarray(4 + length);
          return JSON.parse(text) as PeerReply;
        }
      }
      if (this.ended) return 'closed';
      if (Date.now() > deadline) throw new Error(`no reply within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  // Resolves once the server has closed the connection.
  async closed(timeoutMs = EVENT_MS): Promise<void> {
    await waitFor(() => this.ended, timeoutMs, 'the server to close the connection');
  }

  destroy(): void {
    this.socket.destroy();
  }

  // Header, go-ahead, body in chunks of `chunk` bytes, end frame, acknowledgement: a well-behaved client.
  static async send(port: number, content: Buffer | string, name: string, token: string, chunk = 64 * 1024): Promise<PeerReply | 'closed'> {
    const peer = await LogsPeer.connect(port);
    try {
      peer.header(headerFor(content, name, token));
      const first = await peer.reply();
      if (first === 'closed' || !first.ok || first.duplicate) return first;
      const body = Buffer.from(content);
      for (let i = 0; i < body.length; i += chunk) peer.frame(body.subarray(i, i + chunk));
      return await peer.end().reply();
    } finally {
      peer.destroy();
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

// `main logs serve` started in `cwd` on a free loopback port; resolves once it listens.
export async function startServe(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Serve> {
  const cli = startCli(['logs', 'serve', '--host', '127.0.0.1', '--port', '0', ...args], { cwd, env });
  let stderr = '';
  cli.child.stderr!.on('data', (d) => (stderr += d));
  let exited: CliResult | undefined;
  void cli.done.then((r) => (exited = r));
  await waitFor(() => /Listening on 127\.0\.0\.1:\d+/.test(stderr) || exited !== undefined, EVENT_MS, 'logs serve to listen');
  if (exited) throw new Error(`logs serve exited ${exited.code}: ${exited.stderr}`);
  const port = Number(/Listening on 127\.0\.0\.1:(\d+)/.exec(stderr)![1]);
  return {
    port,
    child: cli.child,
    done: cli.done,
    stderr: () => stderr,
    async stop() {
      if (exited) return exited;
      cli.child.kill('SIGTERM');
      return cli.done;
    },
  };
}

export interface Serve {
  port: number;
  child: ReturnType<typeof startCli>['child'];
  done: Promise<CliResult>;
  /** Everything serve logged so far. */
  stderr(): string;
  /** SIGTERM, then its exit. */
  stop(): Promise<CliResult>;
}
