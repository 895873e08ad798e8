import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';

// Overwrite every page of a SQLite file that holds `marker` (a value written there on purpose) with garbage: SQLite
// then reports SQLITE_CORRUPT when a statement reads that b-tree, as it does for a page a disk has damaged. The
// database must be closed (its write-ahead log merged into the file). Returns the pages damaged (from 0).
export function corruptPagesHolding(file: string, marker: string): number[] {
  if (existsSync(`${file}-wal`) && statSync(`${file}-wal`).size > 0) throw new Error(`${file} has a write-ahead log: close it first`);
  const data = readFileSync(file);
  const size = data.readUInt16BE(16);
  const pageSize = size === 1 ? 65536 : size;
  const pages = new Set<number>();
  for (let at = data.indexOf(marker); at !== -1; at = data.indexOf(marker, at + 1)) pages.add(Math.floor(at / pageSize));
  if (!pages.size) throw new Error(`"${marker}" is not in ${file}`);
  if (pages.has(0)) throw new Error(`"${marker}" is on the first page of ${file} (the schema): write it somewhere else`);
  for (const p of pages) data.fill(0xff, p * pageSize, (p + 1) * pageSize);
  writeFileSync(file, data);
  return [...pages];
}
