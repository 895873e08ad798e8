import { isMap, isSeq, isScalar, type Node } from 'yaml';
import type { ParsedProcess } from './load.js';
import { nodeAt } from './yaml-source.js';

type Path = ReadonlyArray<string | number>;

// What an earlier stage already reported in a process, so that a later stage can say everything else without
// repeating it: the scalars whose `${VAR}` could not be substituted, and the paths the schema refused.
export interface Doubts {
  /** Scalars with an interpolation problem: what they hold is not what the user meant. */
  tainted: ReadonlySet<Node>;
  /** Values the schema refused (not structural problems such as an unknown key). */
  refused: Path[];
}

// True when a problem at `path` is a consequence of one already reported: it is at or below a refused value or a
// tainted scalar, or about a mapping or list that holds one (a `run` whose argv is a failed `${PROG}`).
export function alreadyReported(p: ParsedProcess, path: Path, doubts: Doubts, structural = false): boolean {
  if (doubts.refused.some((r) => startsWith(path, r) || (path.length > 0 && !structural && startsWith(r, path)))) return true;
  if (doubts.tainted.size === 0) return false;
  const { node } = nodeAt(p.src, path, p.valueNode);
  if (!node || node === p.valueNode) return false;
  if (isScalar(node)) return doubts.tainted.has(node);
  if (structural || (!isMap(node) && !isSeq(node)) || !node.range) return false;
  const [start, , end] = node.range;
  for (const scalar of doubts.tainted) {
    const at = scalar.range?.[0];
    if (at !== undefined && at >= start && at < end) return true;
  }
  return false;
}

function startsWith(path: Path, prefix: Path): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => String(segment) === String(path[i]));
}
