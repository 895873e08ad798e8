import { hostname } from 'node:os';
import type { Logger } from 'winston';
import type { ProcessSpec } from '../core/process.js';
import { InfluxHttp, isPermanent, readAll } from '../lib/influx-http.js';
import { withRetries } from '../lib/retry.js';
import type { RunObserver } from '../core/observer.js';
import type { ProcessResult } from '../core/result.js';
import { resultPoint } from './point.js';
import type { MonitoringConfig } from '../core/process.js';

// After each process with a `monitoring` section, its result as a point in InfluxDB. Monitoring must never
// cost a backup: a write that fails (server down, wrong password, too slow) is logged as a warning and the
// process keeps the status it earned. Known limit: the timeout cannot cut a DNS lookup short (getaddrinfo
// runs to its end in libuv's thread pool), so a resolver that never answers delays the exit by its own timeout.
export function monitoringObserver(log: Logger, force: AbortSignal): RunObserver {
  const clients = new Map<string, InfluxHttp>();
  const created = new Map<string, Promise<unknown>>();
  const host = hostname();
  const clientFor = (m: MonitoringConfig) => {
    const key = JSON.stringify([m.url, m.user, m.password, m.tls_verify]);
    let client = clients.get(key);
    if (!client) clients.set(key, (client = new InfluxHttp({ url: m.url, user: m.user, password: m.password, tls_verify: m.tls_verify })));
    return client;
  };
  return {
    name: 'monitoring',
    async finished(spec: ProcessSpec, result: ProcessResult, runId: string) {
      const m = spec.monitoring;
      if (!m) return;
      const line = resultPoint(m.measurement, m.tags, host, result, runId, Date.now());
      // Bounded by its timeout, and cut short by a second signal (the first one's interrupted results are
      // worth a point too).
      const timeout = AbortSignal.timeout(m.timeout * 1000);
      const signal = AbortSignal.any([timeout, force]);
      const http = clientFor(m);
      const write = async () => readAll(await http.request({ method: 'POST', path: '/write', params: { db: m.database, precision: 'ms' }, body: line, timeoutMs: m.timeout * 1000, signal }), m.timeout * 1000);
      try {
        await withRetries(
          async () => {
            try {
              return await write();
            } catch (error) {
              // A fresh monitoring server has no database yet: create it (idempotent in InfluxDB 1.x), once for
              // all the processes that find it missing at the same moment, then write.
              if (!/database not found/i.test((error as Error).message)) throw error;
              const key = `${m.url}\n${m.database}`;
              let creating = created.get(key);
              if (!creating) {
                const q = `CREATE DATABASE "${m.database.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
                creating = http.request({ method: 'POST', path: '/query', params: { q }, timeoutMs: m.timeout * 1000, signal }).then((res) => readAll(res, m.timeout * 1000));
                created.set(key, creating);
              }
              await creating;
              return await write();
            }
          },
          { retries: 2, baseMs: 200, signal, isPermanent },
        );
        log.debug(`Monitoring: wrote the result to ${m.url} (database ${m.database}).`, { process: spec.name, runId, type: spec.type });
      } catch (error) {
        const why = force.aborted ? `not written: stopped by a second ${force.reason}` : timeout.aborted ? `no answer within ${m.timeout} s` : (error as Error).message;
        log.warn(`Monitoring: could not write the result to ${m.url} (database ${m.database}): ${why}. The process keeps its status (${result.status}).`, { process: spec.name, runId, type: spec.type });
      }
    },
    close() {
      for (const client of clients.values()) client.close();
      clients.clear();
    },
  };
}
