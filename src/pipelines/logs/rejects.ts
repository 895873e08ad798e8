import { escapeInvalidUtf8 } from './lines.js';

const EXAMPLES = 20;

export interface RejectsReport {
  count: number;
  reasons: Array<{ reason: string; count: number }>;
  examples: Array<{ file: string; line: number; reason: string; text: string }>;
}

// Rejected lines of a run, counted by kind of reason, with the first few as examples (all of them are in
// the rejects table).
export class Rejects {
  count = 0;
  private readonly reasons = new Map<string, number>();
  private readonly examples: RejectsReport['examples'] = [];

  add(file: string, line: number, reason: string, text: Buffer): void {
    this.count++;
    const kind = reason.replace(/ at column \d+/, '').replace(/, found .*$/s, '').replace(/"[^"]*"/g, '"…"').replace(/\d+ bytes/g, 'N bytes');
    this.reasons.set(kind, (this.reasons.get(kind) ?? 0) + 1);
    if (this.examples.length < EXAMPLES) this.examples.push({ file, line, reason, text: escapeInvalidUtf8(text.subarray(0, 300)) });
  }

  toJSON(): RejectsReport {
    return { count: this.count, reasons: [...this.reasons].sort((a, b) => b[1] - a[1]).map(([reason, count]) => ({ reason, count })), examples: this.examples };
  }
}
