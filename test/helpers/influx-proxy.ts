import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// What the proxy does to the requests a rule picks: wait before passing them on, or answer in its stead.
export interface ProxyRule {
  /** Picks a request by its method and path, and its body (a query's `q`, or the lines of a write). */
  match(req: { method: string; path: string; body: string }): boolean;
  delayMs?: number;
  /** The server's headers pass at once, its body only after this long (InfluxDB answers 200 before it runs a query). */
  bodyDelayMs?: number;
  /** Answered by the proxy with this status and an InfluxDB-like error, instead of the server. */
  status?: number;
  /** The connection is cut, with no answer. */
  reset?: boolean;
}

// An HTTP proxy in front of a real influxd that slows down or fails the requests its rules pick: one slow query,
// a server answering 500 to one measurement, writes slower than a read can wait for.
export class InfluxProxy {
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: string, rules: ProxyRule[]): Promise<InfluxProxy> {
    const upstream = new URL(target);
    const server = createServer((req, res) => void handle(req, res, upstream, rules));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new InfluxProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, upstream: URL, rules: ProxyRule[]): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const url = new URL(req.url!, 'http://proxy');
  const form = new URLSearchParams(req.headers['content-type']?.includes('form') ? raw.toString() : '');
  const body = url.pathname === '/query' ? (form.get('q') ?? url.searchParams.get('q') ?? '') : raw.toString('latin1');
  const rule = rules.find((r) => r.match({ method: req.method!, path: url.pathname, body }));
  if (rule?.delayMs) await new Promise((r) => setTimeout(r, rule.delayMs));
  if (res.destroyed) return;
  if (rule?.reset) return void res.socket?.destroy();
  if (rule?.status) {
    res.writeHead(rule.status, { 'Content-Type': 'application/json', 'X-Influxdb-Error': 'proxy: refused on purpose' });
    res.end(JSON.stringify({ error: 'proxy: refused on purpose' }));
    return;
  }
  const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    res.flushHeaders();
    if (!rule?.bodyDelayMs) return void answer.pipe(res);
    answer.pause();
    setTimeout(() => answer.pipe(res), rule.bodyDelayMs);
  });
  forward.on('error', () => res.destroy());
  res.on('close', () => forward.destroy());
  forward.end(raw);
}
