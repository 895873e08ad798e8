import type { ProcessSpec } from '../core/process.js';
import type { CheckIssue } from '../core/pipeline.js';
import { NAME, RESERVED_LABELS, RESERVED_TAGS } from './schema.js';

// Tag and label names: plain identifiers, and none of those every point or line already has.
export function monitoringChecks(spec: ProcessSpec): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const names = (what: string, path: string[], written: Record<string, string> | undefined, reserved: string[]) => {
    for (const name of Object.keys(written ?? {})) {
      if (reserved.includes(name)) issues.push({ path: [...path, name], message: `${what} "${name}" is set on every ${what === 'tag' ? 'point' : 'line'} already (${reserved.join(', ')}); give yours another name` });
      else if (!NAME.test(name)) issues.push({ path: [...path, name], message: `expected a ${what} name of letters, digits and _ (not starting with a digit), got "${name}"` });
    }
  };
  names('tag', ['monitoring', 'tags'], spec.monitoring?.tags, RESERVED_TAGS);
  // What line protocol cannot carry: a line break ends the point, a last backslash escapes the separator after
  // it, and a measurement starting with # makes the line a comment (InfluxDB answers 204 and stores nothing).
  for (const [name, value] of Object.entries(spec.monitoring?.tags ?? {})) {
    if (/[\r\n]/.test(value) || value.endsWith('\\')) issues.push({ path: ['monitoring', 'tags', name], message: `tag "${name}" cannot hold a line break or end with a backslash, got ${JSON.stringify(value)}` });
  }
  const measurement = spec.monitoring?.measurement;
  if (measurement !== undefined && (/[\r\n]/.test(measurement) || measurement.endsWith('\\') || measurement.startsWith('#'))) {
    issues.push({ path: ['monitoring', 'measurement'], message: `measurement cannot start with #, hold a line break or end with a backslash, got ${JSON.stringify(measurement)}` });
  }
  names('label', ['logging', 'loki', 'labels'], spec.logging?.loki?.labels, RESERVED_LABELS);
  return issues;
}
