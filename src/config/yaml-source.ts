import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type Document, type Node } from 'yaml';

// A parsed process file: the YAML document plus what is needed to point back into its text.
export interface YamlSource {
  file: string;
  doc: Document;
  lines: LineCounter;
}

export interface Position {
  line: number;
  col: number;
}

export function positionOf(src: YamlSource, node: Node | null | undefined): Position | undefined {
  const offset = node?.range?.[0];
  return offset === undefined ? undefined : src.lines.linePos(offset);
}

// The node at `path` and the key that names it (for unknown keys), following aliases and `<<` merges.
export function nodeAt(src: YamlSource, path: readonly (string | number)[]): { node?: Node; key?: Node } {
  let node: unknown = src.doc.contents;
  let key: Node | undefined;
  for (const segment of path) {
    node = resolve(src, node);
    const found = isMap(node) ? pairIn(src, node, String(segment)) : isSeq(node) ? { value: node.items[Number(segment)] } : undefined;
    if (!found) return { node: node as Node, key };
    key = found.key as Node | undefined;
    node = found.value;
  }
  return { node: resolve(src, node) as Node | undefined, key };
}

function resolve(src: YamlSource, node: unknown): unknown {
  return isAlias(node) ? node.resolve(src.doc) : node;
}

function pairIn(src: YamlSource, map: { items: unknown[] }, name: string): { key?: unknown; value?: unknown } | undefined {
  for (const pair of map.items) {
    if (isPair(pair) && isScalar(pair.key) && !isMergeKey(pair.key) && String(pair.key.value) === name) return pair;
  }
  for (const pair of map.items) {
    if (!isPair(pair) || !isMergeKey(pair.key)) continue;
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const merged of sources) {
      const target = resolve(src, merged);
      const hit = isMap(target) ? pairIn(src, target, name) : undefined;
      if (hit) return hit;
    }
  }
  return undefined;
}

// With `merge: true` the yaml library gives a `<<` key the value Symbol(<<) rather than the string.
export function isMergeKey(key: unknown): boolean {
  if (!isScalar(key)) return false;
  return key.value === '<<' || (typeof key.value === 'symbol' && key.value.description === '<<');
}
