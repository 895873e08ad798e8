import { isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';

// The deepest a process definition may nest mappings and lists. The deepest any kind needs is 5; the limit keeps
// every later step (interpolation, validation, the secret scan, the message to a child) far from the stack's end.
export const MAX_DEPTH = 64;

export const TOO_DEEP = `expected mappings and lists nested at most ${MAX_DEPTH} levels deep, got more (an unclosed bracket, or a structure that is not configuration?)`;

// The first node nested deeper than MAX_DEPTH in the text of a document (aliases are not followed), with the
// top-level key it stands under; walked without recursion, so that depth itself cannot overflow the stack.
export function tooDeepNode(doc: Document): { node: Node; under?: string } | undefined {
  const stack: Array<[unknown, number, string | undefined]> = [[doc.contents, 1, undefined]];
  while (stack.length) {
    const [node, depth, under] = stack.pop()!;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > MAX_DEPTH) return { node: node as Node, under };
    for (const item of node.items) {
      if (isPair(item)) {
        const key = depth === 1 && isScalar(item.key) ? String(item.key.value) : under;
        stack.push([item.value, depth + 1, key], [item.key, depth + 1, key]);
      } else stack.push([item, depth + 1, under]);
    }
  }
  return undefined;
}

// The most values a process definition may hold once its aliases are expanded (validation, the secret scan and
// the message to a child all walk the expanded tree): a merged template is a few dozen, an alias bomb billions.
export const MAX_VALUES = 100_000;

// How deep a resolved value (aliases followed) nests and how many values it holds expanded, each counted up to
// just past its limit. Shared objects are measured once and a cycle (`a: &x [*x]`) adds nothing, so an alias
// bomb costs no more than its size in the file; walked without recursion.
export function measureValue(value: unknown): { tooDeep: boolean; tooMany: boolean } {
  if (!isObject(value)) return { tooDeep: false, tooMany: false };
  const known = new Map<object, { height: number; values: number }>();
  const onPath = new Set<object>();
  const open = (node: object): Frame => (onPath.add(node), { node, children: Array.isArray(node) ? node : Object.values(node), next: 0, height: 1, values: 1 });
  const path: Frame[] = [open(value)];
  const add = (frame: Frame, child: { height: number; values: number }) => {
    frame.height = Math.max(frame.height, 1 + child.height);
    frame.values = Math.min(frame.values + child.values, MAX_VALUES + 1);
  };
  while (path.length) {
    if (path.length > MAX_DEPTH) return { tooDeep: true, tooMany: false };
    const top = path[path.length - 1]!;
    if (top.next < top.children.length) {
      const child = top.children[top.next++];
      if (!isObject(child)) add(top, { height: 0, values: 1 });
      else if (known.has(child)) add(top, known.get(child)!);
      else if (!onPath.has(child)) path.push(open(child));
      if (path.length + top.height - 1 > MAX_DEPTH) return { tooDeep: true, tooMany: false };
      if (top.values > MAX_VALUES) return { tooDeep: false, tooMany: true };
      continue;
    }
    path.pop();
    onPath.delete(top.node);
    known.set(top.node, { height: top.height, values: top.values });
    const parent = path[path.length - 1];
    if (parent) add(parent, top);
  }
  const root = known.get(value)!;
  return { tooDeep: root.height > MAX_DEPTH, tooMany: root.values > MAX_VALUES };
}

interface Frame {
  node: object;
  children: unknown[];
  next: number;
  height: number;
  values: number;
}

const isObject = (v: unknown): v is object => v !== null && typeof v === 'object';
