import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The version in package.json, found from here whether this runs from src/ or dist/src/.
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'sysadmintoolkit' && pkg.version) return pkg.version;
    } catch {
      // not here; look one folder up
    }
  }
  return 'unknown';
}
