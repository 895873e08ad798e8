import { isMap, isPair, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { TOO_DEEP, tooDeepNode } from './depth.js';
import type { Problem } from './problem.js';
import { readProcessFile } from './read.js';
import { duplicateKeys, isMergeKey, positionOf, type YamlSource } from './yaml-source.js';

// Process names end up in log lines, file names and queue job ids: keep them plain.
export const PROCESS_NAME = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$';
const PROCESS_NAME_RE = new RegExp(PROCESS_NAME);
const MAX_SYNTAX_ERRORS = 20;

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

// Parse one process file: unreadable, oversized or non-UTF-8 files, YAML syntax, tabs, duplicate keys and
// runaway nesting are reported as file:line:col.
export async function parseProcessFile(file: string, displayName = file): Promise<ParsedFile> {
  const read = await readProcessFile(file, displayName);
  if ('problem' in read) return { processes: [], problems: [read.problem] };
  const text = read.text;
  const lines = new LineCounter();
  // Duplicate keys are found below, in one pass: the parser's own check compares each key with every key before
  // it (quadratic: seconds for a file of 16,000 processes).
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: false, merge: true });
  const src: YamlSource = { file: displayName, doc, lines };
  // The first errors say what is wrong; a file that is not YAML at all would otherwise give one per token.
  const problems: Problem[] = doc.errors.slice(0, MAX_SYNTAX_ERRORS).map((e) => ({
    file: displayName,
    line: e.linePos?.[0].line,
    col: e.linePos?.[0].col,
    message: yamlMessage(e.code, e.message),
  }));
  if (doc.errors.length > MAX_SYNTAX_ERRORS) problems.push({ ...problems[problems.length - 1]!, message: `${doc.errors.length - MAX_SYNTAX_ERRORS} more YAML errors after this one` });
  const deep = doc.errors.some((e) => e.code === 'RESOURCE_EXHAUSTION') ? undefined : tooDeepNode(doc);
  if (deep) {
    const process = deep.under !== undefined && PROCESS_NAME_RE.test(deep.under) ? { process: deep.under } : {};
    problems.push({ file: displayName, ...positionOf(src, deep.node), ...process, message: TOO_DEEP });
  } else {
    for (const key of duplicateKeys(doc)) problems.push({ file: displayName, ...positionOf(src, key), message: 'Map keys must be unique (duplicate key)' });
  }
  if (problems.length) return { processes: [], problems };
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    return { processes: [], problems: [{ file: displayName, message: 'file is empty: expected a mapping of process names to process definitions' }] };
  }
  if (!isMap(root)) {
    const at = positionOf(src, root);
    return { processes: [], problems: [{ file: displayName, ...at, message: 'expected a mapping of process names to process definitions at the top of the file' }] };
  }
  const processes: ParsedProcess[] = [];
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
  // The parser's own guard against nesting so deep that it would overflow the stack.
  if (code === 'RESOURCE_EXHAUSTION' && /call stack/i.test(sentence)) return TOO_DEEP;
  if (code === 'MULTIPLE_DOCS') return 'expected one YAML document, found several (a "---" line); put each in its own file';
  return code === 'DUPLICATE_KEY' ? `${sentence} (duplicate key)` : sentence;
}
