import { createHmac, randomUUID } from 'node:crypto';

// Why an alert was not delivered; `permanent` when another try will not help (a 4xx: a wrong or revoked URL).
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent = false,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'DeliveryError';
  }
}

export interface PostOptions {
  signal: AbortSignal;
  user?: string;
  password?: string;
  /** Signs the body (webhookSignature): a receiver can tell the alert came from us, unaltered. */
  secret?: string;
  /** Sent on every try of one alert, so that a receiver can drop a repeat. */
  delivery?: string;
  event?: string;
}

export const SIGNATURE_HEADER = 'X-SysAdminToolkit-Signature';
export const TIMESTAMP_HEADER = 'X-SysAdminToolkit-Timestamp';

// HMAC-SHA256 over "<timestamp>.<raw body>", hex: the timestamp is signed too, so a receiver that refuses old
// ones refuses a replay (docs/notify.md shows the check).
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

// POST `payload` as JSON; a 2xx is delivered, anything else a DeliveryError (its message names no URL: a chat
// webhook's URL is a secret).
export async function postJson(url: string, payload: unknown, options: PostOptions): Promise<void> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'SysAdminToolkit' };
  if (options.user !== undefined || options.password !== undefined) headers.authorization = `Basic ${Buffer.from(`${options.user ?? ''}:${options.password ?? ''}`).toString('base64')}`;
  if (options.event) headers['x-sysadmintoolkit-event'] = options.event;
  headers['x-sysadmintoolkit-delivery'] = options.delivery ?? randomUUID();
  if (options.secret) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    headers[TIMESTAMP_HEADER.toLowerCase()] = timestamp;
    headers[SIGNATURE_HEADER.toLowerCase()] = webhookSignature(options.secret, timestamp, body);
  }
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body, signal: options.signal, redirect: 'error' });
  } catch (error) {
    throw new DeliveryError(networkReason(error), false, { cause: error });
  }
  const text = await res.text().catch(() => '');
  if (res.ok) return;
  const said = text.trim().replace(/\s+/g, ' ').slice(0, 200);
  const permanent = res.status >= 400 && res.status < 500 && ![408, 425, 429].includes(res.status);
  throw new DeliveryError(`the receiver answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${said ? `: ${said}` : ''}`, permanent);
}

// "connection refused (ECONNREFUSED)" rather than fetch's bare "fetch failed".
function networkReason(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return 'no answer in time';
  const code = e.cause?.code;
  const words: Record<string, string> = { ECONNREFUSED: 'connection refused', ENOTFOUND: 'unknown host', ECONNRESET: 'connection reset', ETIMEDOUT: 'connection timed out', EAI_AGAIN: 'name lookup failed' };
  if (code) return `${words[code] ?? 'network error'} (${code})`;
  return e.cause?.message ?? e.message;
}
