import { createHash } from 'node:crypto';
import type { ProcessStatus } from '../core/result.js';
import type { AlertEvent, Notifier } from './schema.js';

// A process's health as alerts see it: the last one alerted is kept per process and notifier (AlertLedger).
export type Health = 'failing' | 'ok';

// The store's part in alerts (the state store's `alerts` table): what each notifier was last told of each process.
export interface AlertLedger {
  last(process: string, notifier: string): Health | undefined;
  remember(process: string, notifier: string, health: Health, runId: string): void;
}

// A skipped or interrupted process says nothing about its health: no alert, and what was alerted stands.
export function healthOf(status: ProcessStatus): Health | undefined {
  if (status === 'success') return 'ok';
  return status === 'failed' || status === 'timeout' ? 'failing' : undefined;
}

// What happened, given what this notifier was last told: a failure once (not again while it keeps failing),
// a recovery once, a success otherwise.
export function eventOf(last: Health | undefined, now: Health): AlertEvent | undefined {
  if (now === 'failing') return last === 'failing' ? undefined : 'failure';
  return last === 'failing' ? 'recovery' : 'success';
}

// The event a notifier sends, if any: a recovery is also a success, for one that listens for successes only.
export function wanted(event: AlertEvent, on: readonly AlertEvent[]): AlertEvent | undefined {
  if (on.includes(event)) return event;
  return event === 'recovery' && on.includes('success') ? 'success' : undefined;
}

// A notifier's name in the store: its kind and where it sends, hashed (a chat webhook's URL is a secret), so that
// reordering the list or changing a timeout keeps what it was told.
export function notifierId(n: Notifier): string {
  const where = n.type === 'webhook' ? [n.url] : n.type === 'email' ? [n.host, n.port, n.from, [...n.to].sort()] : [n.webhook];
  return `${n.type}:${createHash('sha256').update(JSON.stringify(where)).digest('hex').slice(0, 16)}`;
}

// How a notifier is named in a log line or the summary: its kind and host, never a path (a chat webhook's
// path is its token) nor a credential.
export function describe(n: Notifier): string {
  if (n.type === 'email') return `email via ${n.host}:${n.port} to ${n.to.join(', ')}`;
  const url = n.type === 'webhook' ? n.url : n.webhook;
  let host = '?';
  try {
    host = new URL(url).host;
  } catch {
    // validated as a URL; a host it lacks is shown as "?"
  }
  return `${n.type} (${host})`;
}
