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
  constructor(message: string) {
    super(ErrorCodes.Rejected, message);
    this.name = 'PermanentError';
  }
}

export interface RequestOptions {
  method: 'GET' | 'POST';
  path: string;
  params: Record<string, string>;
  body?: string | Buffer;
  headers?: Record<string, string>;
  timeoutMs: number;
  signal: AbortSignal;
}

// One InfluxDB server over its 1.x HTTP API, with a keep-alive agent; credentials travel in a header, never in a URL.
export class InfluxHttp {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly auth?: string;

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
    if (options.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(options.body));
    return new Promise((resolve, reject) => {
      const req = transport.request(url, { method: options.method, agent: this.agent, headers, signal: options.signal }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(res);
        readAll(res).then(
          (text) => {
            const message = `${options.method} ${options.path} answered ${status}: ${serverMessage(text)}`;
            reject(status >= 400 && status < 500 ? new PermanentError(message) : new PipelineError(ErrorCodes.Request, message));
          },
          reject,
        );
      });
      // An idle socket for longer than the timeout is a failed request (and a retry).
      req.setTimeout(options.timeoutMs, () => req.destroy(new PipelineError(ErrorCodes.Request, `${options.method} ${options.path}: no answer for ${options.timeoutMs / 1000} s`)));
      req.on('error', reject);
      req.end(options.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
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
