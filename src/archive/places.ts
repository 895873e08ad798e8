import { resolve } from 'node:path';
import type { ArchiveLocation } from './location.js';

// Where a process writes its archives, whatever its kind: `destination_archive` (influxdb-copy), `archive:` (scan
// and logs: one place or a list) and `archive.to` (command: one place or a list), a local folder resolved from the
// project folder `base`, as the run resolves it. adatrap's `archive: { bucket }` is its output, not an archive
// place: it names neither `path` nor `s3`.
export function archivePlacesOf(config: Record<string, unknown>, base: string): ArchiveLocation[] {
  const found: ArchiveLocation[] = [];
  const add = (named: unknown) => {
    for (const place of Array.isArray(named) ? named : [named]) {
      if (!place || typeof place !== 'object') continue;
      const { path, s3 } = place as ArchiveLocation;
      if (typeof path === 'string') found.push({ path: resolve(base, path) });
      else if (typeof s3 === 'object' && s3 !== null) found.push({ s3 });
    }
  };
  add(config.destination_archive);
  add(config.archive);
  add((config.archive as { to?: unknown } | undefined)?.to);
  return found;
}
