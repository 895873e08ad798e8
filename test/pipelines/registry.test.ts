import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { DEFAULT_KIND } from '../../src/config/common-schema.js';
import { loadConfig } from '../../src/config/index.js';
import { loadableKinds, loadKind } from '../../src/pipelines/kind-loader.js';
import { registry } from '../../src/pipelines/registry.js';

const PIPELINES = fileURLToPath(new URL('../../src/pipelines/', import.meta.url));
const folders = readdirSync(PIPELINES, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);

describe('every pipeline kind', () => {
  it('has a folder, and every folder is a registered kind', () => {
    expect(folders.sort()).toEqual([...registry.keys()].sort());
  });

  it('is loaded alone by a child: the loader knows every registered kind and gives its very definition', async () => {
    expect(loadableKinds().sort()).toEqual([...registry.keys()].sort());
    for (const [kind, definition] of registry) expect(await loadKind(kind)).toBe(definition);
    expect(await loadKind('constructor')).toBeUndefined();
  });

  for (const kind of folders) {
    describe(kind, () => {
      it('follows the folder convention: index.ts, schema.ts, example.yaml, README.md', () => {
        for (const file of ['index.ts', 'schema.ts', 'example.yaml', 'README.md']) expect(existsSync(join(PIPELINES, kind, file)), `${kind}/${file}`).toBe(true);
      });

      it('has an example that validates, with a schema header for editors, and only of its own kind', async () => {
        const example = join(PIPELINES, kind, 'example.yaml');
        expect(readFileSync(example, 'utf8')).toMatch(/^# yaml-language-server: \$schema=\.\.\/\.\.\/\.\.\/schema\/process-file\.schema\.json$/m);
        const config = await loadConfig(join(PIPELINES, kind), [...registry.values()], { env: {} });
        // Kind checks look for programs on this machine (pg_dump …); the example must be valid up to them.
        const beforeChecks = config.stages.filter((s) => s.name !== 'checks').flatMap((s) => s.problems);
        expect(beforeChecks).toEqual([]);
        const types = Object.values(parseDocument(readFileSync(example, 'utf8')).toJS() as Record<string, { type?: string }>).map((p) => p.type ?? DEFAULT_KIND);
        expect(new Set(types)).toEqual(new Set([kind]));
      });

      it('documents every key of its schema in its README', () => {
        const readme = readFileSync(join(PIPELINES, kind, 'README.md'), 'utf8');
        const keys = Object.keys((registry.get(kind)!.schema as { properties: object }).properties);
        for (const key of keys) expect(readme, `README of ${kind} lacks "${key}"`).toContain(`\`${key}\``);
      });
    });
  }
});
