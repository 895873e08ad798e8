import type { CheckIssue } from '../types.js';
import { timeNs } from './duration.js';
import type { InfluxCopyConfig } from './schema.js';

// What can be known without a connection: the two sides differ, and start comes before end.
export function checkInfluxCopy(config: InfluxCopyConfig): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const { source_server: src, destination_server: dst, backup_config: bc } = config;
  const same = (a: string, b: string) => new URL(a).origin === new URL(b).origin;
  if (same(src.url, dst.url) && src.database === dst.database) {
    issues.push({ path: ['destination_server', 'database'], message: `the destination is the source itself (${src.url}, database "${src.database}")` });
  }
  if (bc.start !== undefined && bc.end !== undefined && timeNs(bc.start) >= timeNs(bc.end)) {
    issues.push({ path: ['backup_config', 'end'], message: `expected "end" to come after "start" (${bc.start}), got "${bc.end}"` });
  }
  return issues;
}
