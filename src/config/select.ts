import { isScalar, isSeq } from 'yaml';
import type { ParsedProcess } from './load.js';
import { nodeAt } from './yaml-source.js';

// `--only a b`: the named processes and, transitively, those they run `after` (read from the YAML as written,
// merges followed, before anything else is checked): the only ones validated and needed. A name that is no
// process stays in the set, for the command to refuse.
export function selectedNames(parsed: readonly ParsedProcess[], only: readonly string[]): Set<string> {
  const byName = new Map(parsed.map((p) => [p.name, p]));
  const selected = new Set<string>();
  const todo = [...only];
  while (todo.length) {
    const name = todo.pop()!;
    if (selected.has(name)) continue;
    selected.add(name);
    const p = byName.get(name);
    if (p) todo.push(...writtenAfter(p));
  }
  return selected;
}

function writtenAfter(p: ParsedProcess): string[] {
  const { node } = nodeAt(p.src, ['after'], p.valueNode);
  if (!isSeq(node) || node === p.valueNode) return [];
  return node.items.flatMap((item) => (isScalar(item) && typeof item.value === 'string' ? [item.value] : []));
}
