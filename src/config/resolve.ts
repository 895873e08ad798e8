import { isAlias, isMap, isNode, isPair, isSeq, Scalar, type Alias, type Node } from 'yaml';
import { MAX_DEPTH, MAX_VALUES, measureValue } from './depth.js';
import type { ParsedProcess } from './load.js';
import type { YamlSource } from './yaml-source.js';

// What a whole file may expand to through its aliases: a template merged into each of 20,000 processes is far
// below it, an alias bomb spread over many processes is not.
export const MAX_FILE_VALUES = 4_000_000;
// Aliases left to the YAML library (those that make a cycle, `a: &x [*x]`) per process.
const ALIASES_PER_PROCESS = 1000;

export interface Unresolvable {
  /** Where to point: an alias, or the process name when there is nothing closer. */
  at?: Node;
  process?: string;
  message: string;
}

export interface Resolution {
  definitions: Map<ParsedProcess, unknown>;
  problems: Unresolvable[];
}

// The definitions of a file's processes as plain values, in time linear in the file. The YAML library finds the
// anchor of each alias by scanning every anchor and alias before it (4,000 processes that merge one template
// scan 8 million), so aliases are first replaced by the nodes they stand for, in one pass in document order, and
// what each process expands to is measured before it is converted: an alias bomb is refused, never built.
export function resolveDefinitions(src: YamlSource, processes: readonly ParsedProcess[], ownerOf: (offset: number | undefined) => string | undefined): Resolution {
  const problems: Unresolvable[] = [];
  const broken = new Set<string>();
  const replaced = replaceAliases(src, (alias) => {
    const process = ownerOf(alias.range?.[0]);
    if (process !== undefined) broken.add(process);
    problems.push({ at: alias, process, message: `cannot resolve the YAML: alias *${alias.source} names no anchor above it (an anchor is written &${alias.source}, before its aliases)` });
  });
  const definitions = new Map<ParsedProcess, unknown>();
  const sizes = new Map<object, Size>();
  let total = 0;
  for (const p of processes) {
    if (broken.has(p.name)) continue;
    const node: unknown = isAlias(p.valueNode) ? (replaced.get(p.valueNode) ?? p.valueNode) : p.valueNode;
    const { values, height } = sizeOf(node, sizes);
    total += values;
    const refuse = (message: string) => problems.push({ process: p.name, message: `cannot resolve the YAML: ${message}` });
    if (height > MAX_DEPTH) refuse(`aliases nest it deeper than ${MAX_DEPTH} levels`);
    else if (values > MAX_VALUES) refuse(`it expands to more than ${MAX_VALUES} values through aliases (an alias bomb?)`);
    else if (total > MAX_FILE_VALUES) refuse(`the file expands to more than ${MAX_FILE_VALUES} values through aliases (an alias bomb?)`);
    if (height > MAX_DEPTH || values > MAX_VALUES || total > MAX_FILE_VALUES) continue;
    let definition: unknown;
    try {
      definition = isNode(node) ? node.toJS(src.doc, { maxAliasCount: ALIASES_PER_PROCESS }) : null;
    } catch (error) {
      refuse(error instanceof RangeError ? `aliases nest too deep to resolve (at most ${MAX_DEPTH} levels)` : (error as Error).message.split('\n')[0]!);
      continue;
    }
    // The aliases left (cycles) resolve to shared values: measured as such.
    const { tooDeep, tooMany } = measureValue(definition);
    if (tooDeep) refuse(`aliases nest it deeper than ${MAX_DEPTH} levels`);
    else if (tooMany) refuse(`it expands to more than ${MAX_VALUES} values through aliases (an alias bomb?)`);
    else definitions.set(p, definition);
  }
  return { definitions, problems };
}

// Every alias (but a key, or one inside the node it names) becomes the node it stands for: the last one before
// it with that anchor, as YAML reads it. An alias to no anchor is reported and becomes empty. Returns what each
// replaced alias stood for.
function replaceAliases(src: YamlSource, unresolved: (alias: Alias) => void): Map<Alias, Node> {
  const anchors = new Map<string, Node>();
  const open = new Set<unknown>();
  const replaced = new Map<Alias, Node>();
  const stack: Array<{ node: unknown; set?: (node: Node) => void; leave?: boolean }> = [{ node: src.doc.contents, set: (n) => (src.doc.contents = n as never) }];
  while (stack.length) {
    const { node, set, leave } = stack.pop()!;
    if (leave) {
      open.delete(node);
      continue;
    }
    if (isAlias(node)) {
      if (!set) continue;
      const target = anchors.get(node.source);
      if (!target) {
        unresolved(node);
        set(new Scalar(null));
      } else if (!open.has(target)) {
        replaced.set(node, target);
        set(target);
      }
      continue;
    }
    if (!isNode(node)) continue;
    if (node.anchor) anchors.set(node.anchor, node);
    if (!isMap(node) && !isSeq(node)) continue;
    open.add(node);
    stack.push({ node, leave: true });
    // Pushed last to first, so that they are taken in document order.
    const items = node.items as unknown[];
    for (let i = items.length - 1; i >= 0; i--) {
      const item = items[i];
      if (isPair(item)) stack.push({ node: item.value, set: (n) => (item.value = n) }, { node: item.key });
      else stack.push({ node: item, set: (n) => (items[i] = n) });
    }
  }
  return replaced;
}

interface Size {
  /** Values once expanded: each scalar, mapping and list counts one. */
  values: number;
  /** Mappings and lists nested, once expanded. */
  height: number;
}

// The expanded size of a node whose aliases have been replaced, each shared node measured once. The replaced
// aliases make no cycle (one inside the node it names is left an alias, a leaf here), so a shared node is
// always measured by the time it is met again.
function sizeOf(root: unknown, known: Map<object, Size>): Size {
  const leaf: Size = { values: 1, height: 0 };
  if (!isMap(root) && !isSeq(root)) return leaf;
  const children = (n: { items: unknown[] }) => n.items.flatMap((item) => (isPair(item) ? [item.key, item.value] : [item]));
  const path: Array<{ node: object; children: unknown[]; next: number; size: Size }> = [{ node: root, children: children(root), next: 0, size: { values: 1, height: 1 } }];
  for (;;) {
    const top = path[path.length - 1]!;
    if (top.next < top.children.length) {
      const child = top.children[top.next++];
      const size = isMap(child) || isSeq(child) ? known.get(child) : leaf;
      if (size) add(top.size, size);
      else path.push({ node: child as object, children: children(child as { items: unknown[] }), next: 0, size: { values: 1, height: 1 } });
      continue;
    }
    path.pop();
    known.set(top.node, top.size);
    const parent = path[path.length - 1];
    if (!parent) return top.size;
    add(parent.size, top.size);
  }
}

function add(into: Size, child: Size): void {
  into.values += child.values;
  into.height = Math.max(into.height, child.height + 1);
}
