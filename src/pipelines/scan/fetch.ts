import { readFile } from 'node:fs/promises';
import type { Agent as HttpAgentType } from 'node:http';
import type { Agent as HttpsAgentType } from 'node:https';
import { createSecureContext } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { onAbort } from '../../lib/abort.js';
import { http, https } from '../../lib/node-http.js';
import { ErrorCode, PipelineError } from '../../core/errors.js';

const { Agent: HttpAgent, request: httpRequest } = http;
const { Agent: HttpsAgent, request: httpsRequest } = https;

export const E_FETCH = ErrorCode.ScanFetch;
const MAX_BYTES = 20 * 1024 * 1024;

// An answer another try will not change (401, 404, an HTML page).
export class FetchRefused extends PipelineError {
  constructor(message: string) {
    super(E_FETCH, message);
    this.name = 'FetchRefused';
  }
}

// A 401 or 403: the server refused the credentials (or their absence). `host` is the link's host and port, never
// its user or password.
export class CredentialsRefused extends FetchRefused {
  constructor(
    readonly status: number,
    readonly host: string,
  ) {
    super(`the server refused the credentials (HTTP ${status})`);
    this.name = 'CredentialsRefused';
  }
}

export interface FetchOptions {
  credentials?: { user: string; password: string };
  timeoutMs: number;
  tlsVerify: boolean;
  signal: AbortSignal;
  agents: Agents;
}

export interface Agents {
  http: HttpAgentType;
  https: HttpsAgentType;
}

// Connections kept open between fetches, at most `sockets` to a host: one per fetch in flight. With `secure`
// (some link is https), their TLS connections share one context (the trusted CAs, the ciphers): without it, each
// of the first `sockets` fetches built its own, ~0.5 ms of CPU each, in the moment the first fetches go out.
// Certificates are still checked per connection (`rejectUnauthorized`), as before.
export function keepAliveAgents(sockets: number, secure = true): Agents {
  return { http: new HttpAgent({ keepAlive: true, maxSockets: sockets }), https: new HttpsAgent({ keepAlive: true, maxSockets: sockets, ...(secure ? { secureContext: createSecureContext() } : {}) }) };
}

// The Authorization header of a run's credentials, made once, not once a request.
const authorizations = new WeakMap<object, string>();
function authorization(credentials: { user: string; password: string }): string {
  let header = authorizations.get(credentials);
  if (!header) {
    header = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
    authorizations.set(credentials, header);
  }
  return header;
}

// The bytes of one MRTG log: over HTTP(S) with Basic authentication, or from this host's disk (file://).
export async function fetchLog(link: string, o: FetchOptions): Promise<Buffer> {
  const url = new URL(link);
  if (url.protocol === 'file:') return readFile(fileURLToPath(url));
  const secure = url.protocol === 'https:';
  const headers: Record<string, string> = {};
  if (o.credentials) headers.Authorization = authorization(o.credentials);
  // A limit on the whole fetch, not only on silence: a server that trickles must not hold a slot for hours.
  // A plain timer and one shared listener on the run's signal destroy the request: an AbortSignal.timeout()
  // joined to the run's signal with AbortSignal.any() cost a timer, a signal and listeners for every request.
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  let forget = () => {};
  return new Promise<Buffer>((resolve, reject) => {
    const req = (secure ? httpsRequest : httpRequest)(url, { headers, agent: secure ? o.agents.https : o.agents.http, ...(secure ? { rejectUnauthorized: o.tlsVerify } : {}) }, (res) => {
      const status = res.statusCode ?? 0;
      if (status === 401 || status === 403) return (res.resume(), reject(new CredentialsRefused(status, url.host)));
      if (status >= 400 && status < 500) return (res.resume(), reject(new FetchRefused(`HTTP ${status} for ${url.pathname}`)));
      if (status !== 200) return (res.resume(), reject(new PipelineError(E_FETCH, `HTTP ${status} for ${url.pathname}`)));
      if (/text\/html/i.test(String(res.headers['content-type']))) return (res.resume(), reject(new FetchRefused('the answer is an HTML page (a login or error page?), not an MRTG log')));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BYTES) req.destroy(new FetchRefused(`the answer is larger than ${MAX_BYTES / 1048576} MB: not an MRTG log`));
        else chunks.push(c);
      });
      res.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
      res.on('error', reject);
    });
    timer = setTimeout(() => {
      timedOut = true;
      req.destroy(new PipelineError(E_FETCH, `no complete answer within ${o.timeoutMs / 1000} s`));
    }, o.timeoutMs);
    forget = onAbort(o.signal, () => req.destroy(abortError(o.signal.reason)));
    req.on('error', reject);
    req.end();
  }).then(
    (bytes) => (clearTimeout(timer), forget(), bytes),
    (error: unknown) => {
      clearTimeout(timer);
      forget();
      if (timedOut && !o.signal.aborted) throw new PipelineError(E_FETCH, `no complete answer within ${o.timeoutMs / 1000} s`);
      throw error;
    },
  );
}

// The error Node gives a request whose `signal` aborts (its AbortError is not exported).
function abortError(reason: unknown): Error {
  return Object.assign(new Error('The operation was aborted', { cause: reason }), { name: 'AbortError', code: 'ABORT_ERR' });
}
