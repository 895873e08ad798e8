import type { CheckIssue } from '../../core/pipeline.js';
import { timeNs } from './duration.js';
import type { InfluxCopyConfig } from './schema.js';
import { locationProblem } from '../../archive/location.js';
import { snapshotLimits } from './method.js';

// What can be known without a connection: there is somewhere to copy to, the two sides differ, and start comes
// before end; method snapshot is asked only where it can work.
export function checkInfluxCopy(config: InfluxCopyConfig): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const { source_server: src, destination_server: dst, backup_config: bc } = config;
  const same = (a: string, b: string) => new URL(a).origin === new URL(b).origin;
  if (!dst && !config.destination_archive) issues.push({ message: 'expected "destination_server" (a server to copy to) or "destination_archive" (a folder or S3 bucket to archive into), or both' });
  const where = config.destination_archive && locationProblem(config.destination_archive);
  if (where) issues.push({ path: ['destination_archive'], message: where });
  if (dst && same(src.url, dst.url) && src.database === dst.database) {
    issues.push({ path: ['destination_server', 'database'], message: `the destination is the source itself (${src.url}, database "${src.database}")` });
  }
  if (bc.method === 'snapshot') issues.push(...snapshotLimits(config));
  const time = (key: 'start' | 'end') => {
    const text = bc[key];
    if (text === undefined) return undefined;
    try {
      return timeNs(text);
    } catch {
      // The schema has checked the form: what is left is a time that does not exist.
      issues.push({ path: ['backup_config', key], message: `expected "${key}" to be a time that exists, got "${text}" (a leap second, or a day the month does not have)` });
      return undefined;
    }
  };
  const [start, end] = [time('start'), time('end')];
  if (start !== undefined && end !== undefined && start >= end) {
    issues.push({ path: ['backup_config', 'end'], message: `expected "end" to come after "start" (${bc.start}), got "${bc.end}"` });
  }
  return issues;
}
