import { readFile } from 'node:fs/promises';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import type { Problem } from './problem.js';
import { isMergeKey, positionOf, type YamlSource } from './yaml-source.js';

// Process names end up in log lines, file names and queue job ids: keep them plain.
export const PROCESS_NAME = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$';
const PROCESS_NAME_RE = new RegExp(PROCESS_NAME);

export interface ParsedProcess {
  name: string;
  src: YamlSource;
  /** Where the process name stands in its file. */
  keyNode: Node;
  /** The definition's node, whose range says which scalars belong to this process. */
  valueNode?: Node;
}

export interface ParsedFile {
  src?: YamlSource;
  processes: ParsedProcess[];
  problems: Problem[];
}

// Parse one process file: YAML syntax, tabs and duplicate keys are reported as file:line:col.
export async function parseProcessFile(file: string, displayName = file): Promise<ParsedFile> {
  const text = await readFile(file, 'utf8');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true, merge: true });
  const src: YamlSource = { file: displayName, doc, lines };
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => ({
      file: displayName,
      line: e.linePos?.[0].line,
      col: e.linePos?.[0].col,
      message: yamlMessage(e.code, e.message),
    }));
    return { processes: [], problems };
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    return { processes: [], problems: [{ file: displayName, message: 'file is empty: expected a mapping of process names to process definitions' }] };
  }
  if (!isMap(root)) {
    const at = positionOf(src, root);
    return { processes: [], problems: [{ file: displayName, ...at, message: 'expected a mapping of process names to process definitions at the top of the file' }] };
  }
  const processes: ParsedProcess[] = [];
  const problems: Problem[] = [];
  for (const pair of root.items) {
    if (!isPair(pair) || !isScalar(pair.key) || isMergeKey(pair.key)) continue;
    const name = String(pair.key.value);
    // `.name:` blocks are templates to anchor and merge (`<<: *name`), as in GitLab CI; they are not processes.
    if (name.startsWith('.')) continue;
    if (!PROCESS_NAME_RE.test(name)) {
      problems.push({ file: displayName, ...positionOf(src, pair.key), message: `expected a process name of letters, digits, "_", "." or "-" (at most 128), got "${name}"` });
      continue;
    }
    processes.push({ name, src, keyNode: pair.key, valueNode: (pair.value as Node | null) ?? undefined });
  }
  return { src, processes, problems };
}

// The yaml library repeats the position and quotes the source after the first line; keep the sentence.
function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0] ?? message;
  const sentence = first.replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'MULTIPLE_DOCS') return 'expected one YAML document, found several (a "---" line); put each in its own file';
  return code === 'DUPLICATE_KEY' ? `${sentence} (duplicate key)` : sentence;
}
