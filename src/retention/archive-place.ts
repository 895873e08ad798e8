import type { ArchiveLocation } from '../archive/location.js';

// Where a process writes its archives, whatever its kind: `destination_archive` (influxdb-copy), or an `archive:`
// naming a `path` or `s3` place (the other kinds). adatrap's `archive: { bucket }` is its output, not an archive
// place: it names neither.
export function archivePlaceOf(config: Record<string, unknown>): ArchiveLocation | undefined {
  for (const key of ['destination_archive', 'archive']) {
    const place = config[key] as ArchiveLocation | undefined;
    if (place && typeof place === 'object' && (typeof place.path === 'string' || (typeof place.s3 === 'object' && place.s3 !== null))) return { ...(place.path !== undefined ? { path: place.path } : {}), ...(place.s3 ? { s3: place.s3 } : {}) };
  }
  return undefined;
}
