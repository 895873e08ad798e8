import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The floors of ARCHITECTURE.md (its table), lowest first. A file may import its own room (its folder) and any room on a lower
// floor; never a room on its own floor (siblings stay apart) nor one above. A pipeline kind is a room of its own,
// `pipelines/*`; `pipelines` alone is the registry beside them.
const FLOORS: string[][] = [
  ['core'],
  ['lib'],
  ['logging', 'monitoring', 'notify', 'state', 'archive'],
  ['config'],
  ['pipelines/*'],
  ['pipelines', 'retention'],
  ['runtime'],
  ['orchestrator'],
  ['scheduler', 'queue', 'transfer', 'console'],
  ['cli'],
  ['main'],
];

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SRC = join(ROOT, 'src');
// Every relative specifier: static imports and re-exports (type-only included) and dynamic import().
const SPECIFIER = /(?:^|[\n;])\s*(?:import|export)\s+(?:type\s+)?(?:[^;'"]*?\sfrom\s*)?['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

// What each file of src/ (and main.ts) imports of ours, as paths from the repository root.
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of [...sources(SRC), join(ROOT, 'main.ts')]) {
    const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
    const targets = [...text.matchAll(SPECIFIER)].map((m) => relative(ROOT, resolve(dirname(file), (m[1] ?? m[2])!)).replace(/\.js$/, '.ts'));
    graph.set(relative(ROOT, file), [...new Set(targets)]);
  }
  return graph;
}

function roomOf(file: string): string {
  if (file === 'main.ts') return 'main';
  const parts = file.split('/').slice(1, -1);
  if (parts[0] === 'pipelines' && parts.length > 1) return `pipelines/${parts[1]}`;
  return parts[0] ?? 'src';
}

function floorOf(room: string): number {
  const floor = FLOORS.findIndex((rooms) => rooms.includes(room) || rooms.some((r) => r.endsWith('/*') && room.startsWith(r.slice(0, -1))));
  if (floor < 0) throw new Error(`${room} is on no floor: add it to FLOORS here and to ARCHITECTURE.md`);
  return floor;
}

// Every import circle, each once, as "a → b → a".
function circles(graph: Map<string, string[]>): string[] {
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') return void found.push([...path.slice(path.indexOf(file)), file].join(' → '));
    state.set(file, 'open');
    path.push(file);
    for (const next of graph.get(file) ?? []) visit(next);
    path.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file);
  return found;
}

describe('the floors of src/', () => {
  const graph = importGraph();

  it('places every folder of src/ on a floor', () => {
    for (const file of graph.keys()) expect(() => floorOf(roomOf(file)), file).not.toThrow();
  });

  it('has no import from a floor to its own floor or one above it', () => {
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      const from = roomOf(file);
      for (const target of targets) {
        const to = roomOf(target);
        if (to !== from && floorOf(to) >= floorOf(from)) wrong.push(`${file} (${from}) imports ${target} (${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('has no import circle', () => {
    expect(circles(graph)).toEqual([]);
  });

  it('keeps src/core/ free of imports of ours, so that anything may use it', () => {
    const ours = [...graph].filter(([file]) => roomOf(file) === 'core').flatMap(([file, targets]) => targets.filter((t) => roomOf(t) !== 'core').map((t) => `${file} imports ${t}`));
    expect(ours).toEqual([]);
  });

  it('finds imports the way this test reads them (a check of the test itself)', () => {
    expect(graph.get('main.ts')).toEqual(['src/cli/app.ts', 'src/core/errors.ts']);
    expect(graph.get('src/runtime/child.ts')?.length).toBeGreaterThan(2);
  });
});
