import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { PipelineError } from '../pipelines/errors.js';
import { causedBy } from './retry.js';

// Where an InfluxDB 1.x HTTP API is, and how to sign in.
export interface InfluxEndpoint {
  url: string;
  user?: string;
  password?: string;
  tls_verify?: boolean;
}

export const ErrorCodes = { Request: 'E_INFLUX_REQUEST', Rejected: 'E_INFLUX_REJECTED' } as const;

// An HTTP error that another try will not fix (4xx): the caller fails instead of retrying.
export class PermanentError extends PipelineError {
  /** The HTTP status, when the server answered with one (401 and 403 mean: not this user). */
  readonly status?: number;

  constructor(message: string, status?: number) {
    super(ErrorCodes.Rejected, message);
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
    super(ErrorCodes.Request, message);
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
  private readonly agent: http.Agent;
  private readonly auth?: string;
  // The requests in flight per signal, behind one abort listener each: a copy with dozens of requests at once
  // adds one listener to its signal, not one per request (Node warns past ten).
  private readonly inFlight = new Map<AbortSignal, { requests: Set<http.ClientRequest>; onAbort(): void }>();

  constructor(readonly server: InfluxEndpoint) {
    this.base = new URL(server.url);
    const secure = this.base.protocol === 'https:';
    this.agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 32, rejectUnauthorized: server.tls_verify !== false }) : new http.Agent({ keepAlive: true, maxSockets: 32 });
    if (server.user !== undefined) this.auth = `Basic ${Buffer.from(`${server.user}:${server.password ?? ''}`).toString('base64')}`;
  }

  // The response, once its status is known; a non-2xx status becomes an error with the server's message.
  request(options: RequestOptions): Promise<http.IncomingMessage> {
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
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(res);
        readAll(res).then(
          (text) => {
            const message = `${options.method} ${options.path} answered ${status}: ${serverMessage(text)}`;
            reject(status >= 400 && status < 500 ? new PermanentError(message, status) : new ServerError(message, status));
          },
          reject,
        );
      });
      this.track(req, options.signal);
      // An idle socket for longer than the timeout is a failed request (and a retry).
      req.setTimeout(options.timeoutMs, () => req.destroy(new PipelineError(ErrorCodes.Request, `${options.method} ${options.path}: no answer for ${options.timeoutMs / 1000} s`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }

  // Destroys the request (and its answer stream) when the signal aborts; forgets it once it has closed.
  private track(req: http.ClientRequest, signal: AbortSignal): void {
    if (signal.aborted) return void req.destroy(abortReason(signal));
    let entry = this.inFlight.get(signal);
    if (!entry) {
      const requests = new Set<http.ClientRequest>();
      entry = { requests, onAbort: () => requests.forEach((r) => r.destroy(abortReason(signal))) };
      signal.addEventListener('abort', entry.onAbort, { once: true });
      this.inFlight.set(signal, entry);
    }
    const { requests, onAbort } = entry;
    requests.add(req);
    req.once('close', () => {
      requests.delete(req);
      if (requests.size > 0) return;
      signal.removeEventListener('abort', onAbort);
      this.inFlight.delete(signal);
    });
  }
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason ?? 'aborted'));
}

export const isPermanent = (error: unknown) => causedBy(error, PermanentError);

export function readAll(stream: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

function serverMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: string };
    if (parsed.error) return parsed.error;
  } catch {
    // not JSON
  }
  return text.trim().slice(0, 300) || '(empty body)';
}
