import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'winston';
import type { ProcessSpec } from '../core/process.js';
import type { RunSummary } from '../core/result.js';
import { withRetries } from '../lib/retry.js';
import { teamsMessage, slackMessage } from './chat.js';
import { sendMail } from './email.js';
import { describe, eventOf, healthOf, notifierId, wanted, type AlertLedger } from './events.js';
import { DeliveryError, postJson } from './http.js';
import { webhookBody, type Alert } from './message.js';
import type { Notifier } from './schema.js';

export interface NotifyOptions {
  log: Logger;
  ledger: AlertLedger;
  /** A second SIGINT/SIGTERM: stop sending now. */
  force?: AbortSignal;
}

// Tries after the first, and the first backoff (then doubled, with jitter): within the default timeout of 30 s.
const RETRIES = 3;
const BASE_MS = 1000;

export interface NotificationCounts {
  sent: number;
  failed: number;
}

// The processes' `notify:` lists, once the run is over: each notifier is told what changed since it was last told
// (events.ts), all at once, each within its timeout and retried with backoff. A notifier that fails is logged and
// counted; it never changes a process's status, and it is told again after the next run. Undefined when no
// process of the run has a `notify:`.
export async function notifyRun(summary: RunSummary, specs: readonly ProcessSpec[], options: NotifyOptions): Promise<NotificationCounts | undefined> {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const counts: NotificationCounts = { sent: 0, failed: 0 };
  const host = hostname();
  const run = { runId: summary.runId, startedAt: summary.startedAt, finishedAt: summary.finishedAt, status: summary.status };
  const sends: Promise<void>[] = [];
  let any = false;
  for (const result of summary.processes) {
    const notifiers = (byName.get(result.name)?.config.notify ?? []) as Notifier[];
    any ||= notifiers.length > 0;
    const health = healthOf(result.status);
    if (!health) continue;
    for (const n of notifiers) {
      const id = notifierId(n);
      const event = eventOf(options.ledger.last(result.name, id), health);
      if (!event) continue;
      const sent = wanted(event, n.on);
      // An event this notifier does not want still moves what it knows: after an unwanted recovery, the next
      // failure is news again.
      if (!sent) {
        options.ledger.remember(result.name, id, health, summary.runId);
        continue;
      }
      const alert: Alert = { event: sent, process: result, run, host };
      const meta = { process: result.name, runId: summary.runId, type: result.type };
      sends.push(
        deliver(n, alert, options).then(
          () => {
            counts.sent++;
            options.ledger.remember(result.name, id, health, summary.runId);
            options.log.info(`Notify: sent the ${sent} alert to ${describe(n)}.`, meta);
          },
          (error: unknown) => {
            counts.failed++;
            options.log.warn(`Notify: could not send the ${sent} alert to ${describe(n)}: ${(error as Error).message}. The process keeps its status (${result.status}); the alert is sent again after its next run.`, meta);
          },
        ),
      );
    }
  }
  await Promise.all(sends);
  return any ? counts : undefined;
}

// One alert through one notifier, within its timeout, retried with backoff unless the receiver refused it for good.
async function deliver(n: Notifier, alert: Alert, options: NotifyOptions): Promise<void> {
  const timeout = AbortSignal.timeout(n.timeout * 1000);
  const signal = options.force ? AbortSignal.any([timeout, options.force]) : timeout;
  const delivery = randomUUID();
  const once = (): Promise<void> => {
    switch (n.type) {
      case 'webhook':
        return postJson(n.url, webhookBody(alert, new Date()), { signal, user: n.user, password: n.password, secret: n.secret, delivery, event: alert.event });
      case 'slack':
        return postJson(n.webhook, slackMessage(alert), { signal, delivery });
      case 'teams':
        return postJson(n.webhook, teamsMessage(alert), { signal, delivery });
      case 'email':
        return sendMail(n, alert, signal);
    }
  };
  try {
    await withRetries(once, {
      retries: RETRIES,
      baseMs: BASE_MS,
      signal,
      isPermanent: (error) => error instanceof DeliveryError && error.permanent,
      onRetry: (attempt, error, delayMs) => options.log.debug(`Notify: ${describe(n)}: try ${attempt + 1} in ${delayMs} ms after: ${(error as Error).message}.`, { process: alert.process.name }),
    });
  } catch (error) {
    if (options.force?.aborted) throw new DeliveryError(`not sent: stopped by a second ${String(options.force.reason)}`, false, { cause: error });
    if (timeout.aborted) throw new DeliveryError(`not sent within its timeout of ${n.timeout} s (${(error as Error).message})`, false, { cause: error });
    throw error;
  }
}
