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

// The node at `path` (below `from`, the document by default) and the key that names it (for unknown keys),
// following aliases and `<<` merges.
export function nodeAt(src: YamlSource, path: readonly (string | number)[], from: unknown = src.doc.contents): { node?: Node; key?: Node } {
  let node: unknown = from;
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

// Which of `spans` (in file order, not overlapping) holds an offset: a binary search, as every scalar asks.
export function spanFinder<T>(spans: ReadonlyArray<{ range?: readonly number[] | null; value: T }>): (offset: number | undefined) => T | undefined {
  const sorted = spans.filter((s) => s.range).map((s) => ({ start: s.range![0]!, end: s.range![2]!, value: s.value }));
  return (offset) => {
    if (offset === undefined) return undefined;
    let lo = 0;
    let hi = sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = sorted[mid]!;
      if (offset < s.start) hi = mid - 1;
      else if (offset >= s.end) lo = mid + 1;
      else return s.value;
    }
    return undefined;
  };
}

// The keys that repeat an earlier key of their mapping (`<<` merges aside), in one pass over the document.
export function duplicateKeys(doc: Document): Node[] {
  const duplicates: Node[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const node = stack.pop();
    if (isSeq(node)) for (const item of node.items) stack.push(item);
    if (!isMap(node)) continue;
    const seen = new Set<string>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      stack.push(pair.key, pair.value);
      if (!isScalar(pair.key) || isMergeKey(pair.key)) continue;
      // As the parser compares them: by value and type (1 and "1" are two keys).
      const id = `${typeof pair.key.value}:${String(pair.key.value)}`;
      if (seen.has(id)) duplicates.push(pair.key);
      else seen.add(id);
    }
  }
  return duplicates;
}
