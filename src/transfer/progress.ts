const REDRAW_MS = 100;

export interface ProgressTerminal {
  write(text: string): unknown;
  columns?: number;
}

// One line on a terminal, redrawn in place: name, a bar, percent, bytes and MB/s. Off a terminal it draws nothing
// (the caller logs a line per file instead).
export class ProgressBar {
  private lastDraw = 0;
  /** When the first bytes were reported, and how many: the rate counts from there (not from the hashing before). */
  private first: { at: number; done: number } | undefined;
  private drawn = false;

  constructor(
    private readonly terminal: ProgressTerminal | undefined,
    private readonly label: string,
  ) {}

  update(done: number, total: number): void {
    if (!this.terminal) return;
    const now = performance.now();
    this.first ??= { at: now, done };
    if (now - this.lastDraw < REDRAW_MS && done < total) return;
    this.lastDraw = now;
    this.terminal.write(`\r${this.line(done, total, now)}\x1b[K`);
    this.drawn = true;
  }

  // Clear the line for what comes next (a log line saying how the file went, or a retry, which starts again at 0).
  finish(): void {
    if (this.terminal && this.drawn) this.terminal.write('\r\x1b[K');
    this.drawn = false;
    this.first = undefined;
  }

  line(done: number, total: number, now = performance.now()): string {
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const start = this.first ?? { at: now, done: 0 };
    const seconds = (now - start.at) / 1000;
    const rate = seconds > 0 ? `${((done - start.done) / 1e6 / seconds).toFixed(1)} MB/s` : '';
    const numbers = `${String(Math.floor(ratio * 100)).padStart(3)}% ${megabytes(done)}/${megabytes(total)} MB ${rate}`;
    const width = Math.max(10, Math.min(40, (this.terminal?.columns || 80) - numbers.length - 6 - Math.min(this.label.length, 30)));
    const filled = Math.round(ratio * width);
    return `${shorten(this.label, 30)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${numbers}`;
  }
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
