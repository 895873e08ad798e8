import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { onAbort } from '../../lib/abort.js';
import { PipelineError } from '../errors.js';

export const E_FETCH = 'E_SCAN_FETCH';
const MAX_BYTES = 20 * 1024 * 1024;

// An answer another try will not change (401, 404, an HTML page).
export class FetchRefused extends PipelineError {
  constructor(message: string) {
    super(E_FETCH, message);
    this.name = 'FetchRefused';
  }
}

export interface FetchOptions {
  credentials?: { user: string; password: string };
  timeoutMs: number;
  tlsVerify: boolean;
  signal: AbortSignal;
  agents: { http: http.Agent; https: https.Agent };
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

// The text of one MRTG log: over HTTP(S) with Basic authentication, or from this host's disk (file://).
export async function fetchLog(link: string, o: FetchOptions): Promise<string> {
  const url = new URL(link);
  if (url.protocol === 'file:') return readFile(fileURLToPath(url), 'utf8');
  const secure = url.protocol === 'https:';
  const headers: Record<string, string> = {};
  if (o.credentials) headers.Authorization = authorization(o.credentials);
  // A limit on the whole fetch, not only on silence: a server that trickles must not hold a slot for hours.
  // A plain timer and one shared listener on the run's signal destroy the request: an AbortSignal.timeout()
  // joined to the run's signal with AbortSignal.any() cost a timer, a signal and listeners for every request.
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  let forget = () => {};
  return new Promise<string>((resolve, reject) => {
    const req = (secure ? https : http).request(url, { headers, agent: secure ? o.agents.https : o.agents.http, ...(secure ? { rejectUnauthorized: o.tlsVerify } : {}) }, (res) => {
      const status = res.statusCode ?? 0;
      if (status === 401 || status === 403) return (res.resume(), reject(new FetchRefused(`the server refused the credentials (HTTP ${status})`)));
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
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
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
    (text) => (clearTimeout(timer), forget(), text),
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
