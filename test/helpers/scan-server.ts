import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Route {
  status?: number;
  type?: string;
  body: string;
  /** Milliseconds before answering (a remote platform over a WAN). */
  delayMs?: number;
}

// A stand-in for SCAN: HTTP or HTTPS (a self-signed certificate made here with openssl), Basic auth enforced.
export class ScanServer {
  requests = 0;
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    private readonly routes: Map<string, Route>,
  ) {}

  static async start(options: { tls?: boolean; user?: string; password?: string; delayMs?: number } = {}): Promise<ScanServer> {
    const routes = new Map<string, Route>();
    let self: ScanServer | undefined;
    const handler: http.RequestListener = (req, res) => {
      self!.requests++;
      const expected = options.user ? `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}` : undefined;
      const route = routes.get(decodeURIComponent((req.url ?? '').split('?')[0]!));
      const answer = () => {
        if (expected && req.headers.authorization !== expected) {
          res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="SCAN"', 'Content-Type': 'text/html' }).end('<html>Unauthorized</html>');
        } else if (!route) res.writeHead(404, { 'Content-Type': 'text/html' }).end('<html>Not found</html>');
        else res.writeHead(route.status ?? 200, { 'Content-Type': route.type ?? 'text/plain' }).end(route.body);
      };
      const delay = route?.delayMs ?? options.delayMs ?? 0;
      if (delay) setTimeout(answer, delay);
      else answer();
    };
    let server: http.Server;
    if (options.tls) {
      const dir = mkdtempSync(join(tmpdir(), 'sat-cert-'));
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '2', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
      server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, handler);
      rmSync(dir, { recursive: true, force: true });
    } else {
      server = http.createServer(handler);
    }
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    self = new ScanServer(server, `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`, routes);
    return self;
  }

  serve(path: string, route: Route): string {
    this.routes.set(path, route);
    return `${this.url}${path.split('/').map(encodeURIComponent).join('/')}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
