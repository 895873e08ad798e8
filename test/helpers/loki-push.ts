import { createServer, type IncomingMessage, type Server } from 'node:http';

// Grafana Loki's push API (POST /loki/api/v1/push, JSON body) on a loopback port, checking each request the
// way Loki does and keeping what it took. Not Loki itself: Grafana Loki is not packaged in Debian (the
// Debian package named `loki` is a genetics program), and only Debian and the npm registry are reachable
// from the development and CI machines. The docker/ stack runs the real one.
export interface PushedLine {
  labels: Record<string, string>;
  ns: bigint;
  line: string;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export class LokiPushServer {
  readonly lines: PushedLine[] = [];
  /** Every request body as received. */
  readonly bodies: string[] = [];
  /** The Authorization header of every push ('' when none). */
  readonly authorizations: string[] = [];
  requests = 0;
  /** Answers 503 to this many requests first (a Loki that is starting). */
  failFirst = 0;
  /** Answers every request with this status instead (400: Loki refusing the lines), or never ('hang'). */
  answerWith?: number | 'hang';

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<LokiPushServer> {
    let self: LokiPushServer | undefined;
    const server = createServer((req, res) => {
      const answer = (status: number, text = '') => res.writeHead(status, { 'Content-Type': 'text/plain' }).end(text);
      void body(req).then((text) => {
        if (req.method !== 'POST' || req.url !== '/loki/api/v1/push') return answer(404, '404 page not found');
        self!.requests++;
        self!.bodies.push(text);
        self!.authorizations.push(req.headers.authorization ?? '');
        if (self!.answerWith === 'hang') return;
        if (self!.answerWith) return answer(self!.answerWith, self!.answerWith === 400 ? 'entry too far behind' : 'Ingester not ready');
        if (self!.failFirst > 0) return self!.failFirst--, answer(503, 'Ingester not ready');
        if (!String(req.headers['content-type']).startsWith('application/json')) return answer(400, 'unsupported Content-Type');
        const problem = self!.take(text);
        return problem ? answer(400, problem) : answer(204);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return (self = new LokiPushServer(server, `http://127.0.0.1:${port}`));
  }

  // Loki's rules for a push: streams with string labels of valid names, values of [nanoseconds as a decimal string, line].
  private take(text: string): string | undefined {
    let parsed: { streams?: Array<{ stream?: Record<string, unknown>; values?: unknown[] }> };
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return `loghttp: ${(error as Error).message}`;
    }
    if (!Array.isArray(parsed.streams)) return 'no streams';
    const taken: PushedLine[] = [];
    for (const s of parsed.streams) {
      const labels = s.stream ?? {};
      if (!Object.keys(labels).length) return 'error at least one label pair is required per stream';
      for (const [k, v] of Object.entries(labels)) if (!LABEL_NAME.test(k) || typeof v !== 'string') return `invalid label ${k}=${JSON.stringify(v)}`;
      for (const value of s.values ?? []) {
        if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string' || !/^\d+$/.test(value[0]) || typeof value[1] !== 'string') return `invalid value ${JSON.stringify(value)}`;
        taken.push({ labels: labels as Record<string, string>, ns: BigInt(value[0]), line: value[1] });
      }
    }
    this.lines.push(...taken);
    return undefined;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
