// A configuration problem, located in a file, in the words a user reads at 4 a.m.
export interface Problem {
  file: string;
  line?: number;
  col?: number;
  /** The process the problem belongs to, when there is one. */
  process?: string;
  message: string;
}

// `config/a.yaml:12:5: process "nightly": expected …` (vector/connect style).
export function formatProblem(p: Problem): string {
  const where = p.line ? `${p.file}:${p.line}:${p.col ?? 1}` : p.file;
  const who = p.process ? `process "${p.process}": ` : '';
  return `${where}: ${who}${p.message}`;
}
