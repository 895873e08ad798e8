import { escapeFieldKey, fieldValue, seriesPrefix } from '../lib/line-protocol.js';
import type { ProcessResult } from '../core/result.js';

// One line of line protocol for a process that ended: what the Grafana dashboard reads (measurement
// backup_runs by default). The run id is a field, not a tag: a tag per run would grow a series per run.
export function resultPoint(measurement: string, tags: Record<string, string>, host: string, result: ProcessResult, runId: string, endMs: number): string {
  const prefix = seriesPrefix(measurement, { ...tags, process: result.name, type: result.type, status: result.status, host });
  const fields: Array<[string, unknown, 'integer' | 'string' | 'boolean']> = [
    ['duration_ms', Math.round(result.durationMs), 'integer'],
    ['failed', result.status === 'success' || result.status === 'skipped' ? 0 : 1, 'integer'],
    ['run_id', runId, 'string'],
  ];
  if (result.records) {
    fields.push(['records_read', result.records.read, 'integer'], ['records_written', result.records.written, 'integer'], ['records_rejected', result.records.rejected, 'integer']);
  }
  if (result.integrity) {
    fields.push(['integrity_ok', result.integrity.ok, 'boolean'], ['integrity_failed_checks', result.integrity.checks.filter((c) => !c.ok).length, 'integer']);
  }
  if (result.error) fields.push(['error_code', result.error.code, 'string']);
  const body = fields
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key, value, type]) => `${escapeFieldKey(key)}=${fieldValue(value, type)}`)
    .join(',');
  return `${prefix} ${body} ${endMs}`;
}
