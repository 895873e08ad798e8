import type { Agent, IncomingMessage } from 'node:http';
import { http, https } from './node-http.js';
import { ErrorCode, PipelineError } from '../core/errors.js';
import { onAbort } from './abort.js';
import { MsgpackReader } from './msgpack.js';
import { causedBy } from './retry.js';

// Where an InfluxDB 1.x HTTP API is, and how to sign in.
export interface InfluxEndpoint {
  url: string;
  user?: string;
  password?: string;
  tls_verify?: boolean;
}


// An HTTP error that another try will not fix (4xx): the caller fails instead of retrying.
export class PermanentError extends PipelineError {
  /** The HTTP status, when the server answered with one (401 and 403 mean: not this user). */
  readonly status?: number;

  constructor(message: string, status?: number) {
    super(ErrorCode.InfluxRejected, message);
    this.name = 'PermanentError';
    if (status !== undefined) this.status = status;
  }
}

// The server answered, with a 5xx: worth another try, and a sign that the server itself is up.
export class ServerError extends PipelineError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(ErrorCode.InfluxRequest, message);
    this.name = 'ServerError';
  }
}

export interface RequestOptions {
  method: 'GET' | 'POST';
  path: string;
  params: Record<string, string>;
  body?: string | Buffer;
  /** Sent as the form body instead (a long query does not fit a URL). */
  form?: Record<string, string>;
  headers?: Record<string, string>;
  timeoutMs: number;
  signal: AbortSignal;
}

// One InfluxDB server over its 1.x HTTP API, with a keep-alive agent; credentials travel in a header, never in a URL.
export class InfluxHttp {
  private readonly base: URL;
  private readonly agent: Agent;
  private readonly auth?: string;

  constructor(readonly server: InfluxEndpoint) {
    this.base = new URL(server.url);
    const secure = this.base.protocol === 'https:';
    this.agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 32, rejectUnauthorized: server.tls_verify !== false }) : new http.Agent({ keepAlive: true, maxSockets: 32 });
    if (server.user !== undefined) this.auth = `Basic ${Buffer.from(`${server.user}:${server.password ?? ''}`).toString('base64')}`;
  }

  // The response, once its status is known; a non-2xx status becomes an error with the server's message. Read its
  // body with `bodyChunks` or `readAll`, which count silence only while they wait: a reader that pauses (its writes
  // are behind) is not a server that stopped answering.
  request(options: RequestOptions): Promise<IncomingMessage> {
    const url = new URL(this.base.pathname.replace(/\/$/, '') + options.path, this.base);
    for (const [k, v] of Object.entries(options.params)) url.searchParams.set(k, v);
    const transport = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { ...options.headers };
    if (this.auth) headers.Authorization = this.auth;
    let body = options.body;
    if (options.form) {
      body = new URLSearchParams(options.form).toString();
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
    return new Promise((resolve, reject) => {
      // Lenient with response headers: InfluxDB copies its error message, bytes of the user's names included, into
      // X-Influxdb-Error, and Node's strict parser would turn a 400 that names the problem into a parse error.
      const req = transport.request(url, { method: options.method, agent: this.agent, headers, insecureHTTPParser: true }, (res) => {
        req.setTimeout(0);
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(res);
        readBytes(res, options.timeoutMs).then(
          (bytes) => {
            const message = `${options.method} ${options.path} answered ${status}: ${serverMessage(res, bytes)}`;
            reject(status >= 400 && status < 500 ? new PermanentError(message, status) : new ServerError(message, status));
          },
          reject,
        );
      });
      const forget = onAbort(options.signal, () => req.destroy(abortReason(options.signal)));
      req.once('close', forget);
      // Silent for longer than the timeout before the answer starts: a failed request (and a retry).
      req.setTimeout(options.timeoutMs, () => req.destroy(silence(options.method, options.path, options.timeoutMs)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

// A request that got no answer in time: the server may be down, or only slow on this request.
export class Silence extends PipelineError {
  constructor(message: string) {
    super(ErrorCode.InfluxRequest, message);
    this.name = 'Silence';
  }
}

const silence = (method: string, path: string, ms: number) => new Silence(`${method} ${path}: no answer for ${ms / 1000} s`);

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason ?? 'aborted'));
}

export const isPermanent = (error: unknown) => causedBy(error, PermanentError);

// The body of an answer, chunk by chunk; silence counts only while the reader waits for the next chunk.
export async function* bodyChunks(res: IncomingMessage, timeoutMs: number): AsyncGenerator<Buffer> {
  const chunks = res[Symbol.asyncIterator]();
  for (;;) {
    const timer = setTimeout(() => res.destroy(new Silence(`the answer stopped for ${timeoutMs / 1000} s`)), timeoutMs);
    let next: IteratorResult<Buffer>;
    try {
      next = await chunks.next();
    } finally {
      clearTimeout(timer);
    }
    if (next.done) return;
    yield next.value;
  }
}

async function readBytes(res: IncomingMessage, timeoutMs: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of bodyChunks(res, timeoutMs)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export async function readAll(res: IncomingMessage, timeoutMs: number): Promise<string> {
  return (await readBytes(res, timeoutMs)).toString('utf8');
}

// InfluxDB's own words: its X-Influxdb-Error header, else the `error` of its answer (JSON, or msgpack when asked for).
function serverMessage(res: IncomingMessage, bytes: Buffer): string {
  const text = bytes.toString('utf8');
  const header = res.headers['x-influxdb-error'];
  if (typeof header === 'string' && header) return Buffer.from(header, 'latin1').toString('utf8');
  if (String(res.headers['content-type']).includes('msgpack')) {
    try {
      const body = new MsgpackReader(bytes).any() as { error?: Buffer } | null;
      if (Buffer.isBuffer(body?.error)) return body.error.toString('utf8');
    } catch {
      // not msgpack after all
    }
  }
  try {
    const parsed = JSON.parse(text) as { error?: string };
    if (parsed.error) return parsed.error;
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 300) || '(empty body)';
}
