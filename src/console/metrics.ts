import { Counter, Gauge, Registry } from 'prom-client';
import type { StoreReader } from './store-reader.js';

const STATUSES = ['success', 'failed', 'timeout', 'interrupted', 'skipped'];

// `GET /metrics`: each process's last result, in Prometheus text format, read from the store at each scrape (a
// registry of its own each time, so that a process gone from the store leaves no stale series).
export async function metricsText(store: StoreReader): Promise<{ contentType: string; text: string }> {
  const registry = new Registry();
  const labelNames = ['process', 'type'] as const;
  const at = new Gauge({ name: 'sat_process_last_run_timestamp_seconds', help: 'When the last run of the process started (Unix time).', labelNames, registers: [registry] });
  const status = new Gauge({ name: 'sat_process_last_status', help: 'The status of the last run of the process: 1 for its status, 0 for the others.', labelNames: [...labelNames, 'status'], registers: [registry] });
  const seconds = new Gauge({ name: 'sat_process_last_duration_seconds', help: 'How long the last run of the process took.', labelNames, registers: [registry] });
  const records = new Gauge({ name: 'sat_process_last_records', help: 'Records of the last run of the process, by what was done to them (none when it counted none).', labelNames: [...labelNames, 'records'], registers: [registry] });
  const integrityOk = new Gauge({ name: 'sat_process_last_integrity_ok', help: 'Whether the last integrity check of the process passed (1) or failed (0).', labelNames, registers: [registry] });
  const failures = new Counter({ name: 'sat_process_integrity_failures_total', help: 'Results of the process whose integrity check failed, in the state store.', labelNames, registers: [registry] });
  const failed = store.integrityFailures();
  for (const p of store.processes(1)) {
    const last = p.runs.at(-1)!;
    const labels = { process: p.name, type: p.type };
    at.set(labels, Date.parse(last.startedAt) / 1000);
    for (const s of STATUSES) status.set({ ...labels, status: s }, s === last.status ? 1 : 0);
    seconds.set(labels, last.durationMs / 1000);
    if (last.records) for (const [what, n] of Object.entries(last.records)) records.set({ ...labels, records: what }, n);
    if (last.integrity) integrityOk.set(labels, last.integrity.ok ? 1 : 0);
    failures.inc(labels, failed.get(p.name) ?? 0);
  }
  return { contentType: registry.contentType, text: await registry.metrics() };
}
