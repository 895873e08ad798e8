import { Writable } from 'node:stream';
import type { ProcessSpec } from '../core/process.js';
import type { RunObserver } from '../core/observer.js';
import type { ProcessResult } from '../core/result.js';
import type { Progress } from '../core/pipeline.js';

// The terminal a display draws on: process.stderr, or a fake in tests.
export interface Terminal {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
}

export interface ProgressDisplayOptions {
  stream: Terminal;
  /** Colour the process names (false with NO_COLOR or when stderr is not a terminal). */
  color?: boolean;
  /** Least time between two redraws (default 100 ms: at most 10 a second). */
  intervalMs?: number;
  /** Masks secrets in a progress message (a child's text) before it is drawn. */
  redact?(text: string): string;
}

export interface ProgressDisplay extends RunObserver {
  /** For the console log transport: what is written here lands above the live lines, never through them. */
  readonly logStream: Writable;
  /** Write complete lines above the live area: the live lines are cleared first and drawn again after. */
  writeAbove(text: string): void;
  /** Clear the live area for good and give the cursor back (at the end of the run, on SIGINT/SIGTERM); log lines
   *  still pass, as plain lines. Safe to call again. */
  close(): void;
}

/** A live area only on a terminal that can move its cursor: never in logs, cron, CI or `docker logs`. */
export function wantsProgressDisplay(stream: Pick<Terminal, 'isTTY'>, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

const ESC = '\x1b[';
const HIDE_CURSOR = `${ESC}?25l`;
const SHOW_CURSOR = `${ESC}?25h`;
const TICK_MS = 1000; // the elapsed times move on even when no progress comes
const RATE_WINDOW_MS = 5000;
const MAX_NAME = 24;

interface Live {
  name: string;
  startedAt: number;
  progress?: Progress;
  /** Recent (time, done) pairs, for the rate. */
  samples: Array<[number, number]>;
}

// One line per running process at the bottom of the terminal, redrawn at most every `intervalMs`.
export function createProgressDisplay(options: ProgressDisplayOptions): ProgressDisplay {
  return new LiveArea(options);
}

class LiveArea implements ProgressDisplay {
  readonly name = 'progress display';
  readonly logStream: Writable;
  private readonly out: Terminal;
  private readonly interval: number;
  private readonly live = new Map<string, Live>();
  /** Length of each line on screen, to know how many rows to clear (a narrower terminal may have wrapped them). */
  private drawn: number[] = [];
  /** The lines on screen, as last drawn. */
  private frame = '';
  private cursorHidden = false;
  private ended = false;
  private lastDraw = -Infinity;
  private timer?: NodeJS.Timeout;
  private due = Infinity;
  /** The end of a write that did not end its line, held until the line is complete. */
  private partial = '';
  private readonly onResize = () => this.schedule();
  private readonly onExit = () => this.close();

  constructor(private readonly options: ProgressDisplayOptions) {
    this.out = options.stream;
    this.interval = options.intervalMs ?? 100;
    this.logStream = new Writable({
      decodeStrings: false,
      write: (chunk: string | Buffer, _encoding, done) => {
        this.writeAbove(String(chunk));
        done();
      },
    });
    this.out.on?.('resize', this.onResize);
    // Whatever way the program ends, the prompt comes back on a clean line with its cursor.
    process.on('exit', this.onExit);
  }

  started(spec: ProcessSpec): void {
    this.live.set(spec.name, { name: spec.name, startedAt: Date.now(), samples: [] });
    this.schedule();
  }

  progress(spec: ProcessSpec, progress: Progress): void {
    const entry = this.live.get(spec.name);
    if (!entry) return; // not started, or already finished: no line to bring back
    const now = Date.now();
    entry.progress = progress.message && this.options.redact ? { ...progress, message: this.options.redact(progress.message) } : progress;
    entry.samples.push([now, progress.done]);
    // Keep one sample older than the window, so that the rate always spans it.
    while (entry.samples.length > 2 && entry.samples[1]![0] <= now - RATE_WINDOW_MS) entry.samples.shift();
    this.schedule();
  }

  finished(spec: ProcessSpec, _result: ProcessResult): void {
    if (!this.live.has(spec.name)) return;
    // A redraw held back by the interval would have shown its last progress (12/12): show it before the line goes.
    if (this.due - Date.now() <= this.interval) this.draw();
    this.live.delete(spec.name);
    this.schedule();
  }

  writeAbove(text: string): void {
    const all = this.partial + text;
    if (this.ended) {
      this.partial = '';
      return void this.out.write(all);
    }
    const end = all.lastIndexOf('\n') + 1;
    this.partial = all.slice(end);
    if (end === 0) return;
    this.out.write(this.clearing() + all.slice(0, end));
    this.drawn = [];
    this.schedule();
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    this.out.off?.('resize', this.onResize);
    process.off('exit', this.onExit);
    const restore = this.clearing() + (this.cursorHidden ? SHOW_CURSOR : '') + this.partial;
    this.drawn = [];
    this.partial = '';
    this.cursorHidden = false;
    if (restore) this.out.write(restore);
  }

  // Draw now when the last draw is old enough, else once it is.
  private schedule(): void {
    if (this.ended) return;
    const wait = this.lastDraw + this.interval - Date.now();
    if (wait <= 0) this.draw();
    else this.wake(wait);
  }

  private wake(ms: number): void {
    const due = Date.now() + ms;
    if (this.timer && this.due <= due) return;
    clearTimeout(this.timer);
    this.due = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.due = Infinity;
      this.draw();
    }, ms);
    this.timer.unref?.();
  }

  private draw(): void {
    if (this.ended) return;
    const now = Date.now();
    const lines = this.render(now);
    const frame = lines.map((l) => l.text).join('\n');
    this.lastDraw = now;
    if (this.live.size) this.wake(TICK_MS);
    if (this.drawn.length && frame === this.frame) return; // the same lines are on screen already
    this.frame = frame;
    let text = this.clearing();
    if (lines.length && !this.cursorHidden) {
      text += HIDE_CURSOR;
      this.cursorHidden = true;
    } else if (!lines.length && this.cursorHidden) {
      text += SHOW_CURSOR;
      this.cursorHidden = false;
    }
    // Every line ends its row: the cursor waits at the start of the row below, where the next log line goes.
    text += lines.map((l) => `${l.text}\n`).join('');
    this.drawn = lines.map((l) => l.width);
    if (text) this.out.write(text);
  }

  // Back to the first row of the live area, and erase from there to the end of the screen.
  private clearing(): string {
    if (!this.drawn.length) return '';
    const columns = this.columns();
    const rows = this.drawn.reduce((sum, width) => sum + Math.max(1, Math.ceil(width / columns)), 0);
    return `\r${ESC}${rows}A${ESC}J`;
  }

  private columns(): number {
    return this.out.columns && this.out.columns > 0 ? this.out.columns : 80;
  }

  private render(now: number): Array<{ text: string; width: number }> {
    if (!this.live.size) return [];
    // One column short of the width: a line that fills the row would leave the cursor in the wrap position.
    const width = Math.max(10, this.columns() - 1);
    const maxRows = Math.max(1, (this.out.rows && this.out.rows > 0 ? this.out.rows : 24) - 2);
    const entries = [...this.live.values()];
    const shown = entries.length > maxRows ? entries.slice(0, maxRows - 1) : entries;
    const nameWidth = Math.min(MAX_NAME, Math.max(...shown.map((e) => e.name.length)));
    const lines = shown.map((e) => {
      const name = e.name.length > nameWidth ? `${e.name.slice(0, nameWidth - 1)}~` : e.name.padEnd(nameWidth);
      const cut = truncate(`${name}  ${describe(e, now, width - nameWidth - 2)}`, width);
      const plain = Array.from(cut.text);
      const text = this.options.color ? `${ESC}1m${plain.slice(0, nameWidth).join('')}${ESC}22m${plain.slice(nameWidth).join('')}` : cut.text;
      return { text, width: cut.cells };
    });
    if (shown.length < entries.length) {
      const more = truncate(`... and ${entries.length - shown.length} more running`, width);
      lines.push({ text: more.text, width: more.cells });
    }
    return lines;
  }
}

// `[########............]  12/288 interfaces  0:41`, or `1,234,567 points  182k/s  0:41` when the total is unknown.
function describe(entry: Pick<Live, 'startedAt' | 'progress' | 'samples'>, now: number, room = 80): string {
  const elapsed = clock(now - entry.startedAt);
  const p = entry.progress;
  if (!p) return `running  ${elapsed}`;
  const message = p.message ? `  ${p.message}` : '';
  if (p.total !== undefined && p.total > 0) {
    const total = count(p.total);
    // As wide as it will ever be, so that the bar does not move as the count grows.
    const counts = `${count(p.done).padStart(total.length)}/${total} ${p.unit}`;
    // The bar takes what the counts and the time leave, up to 30 characters; none when fewer than 5 are left.
    const barWidth = Math.min(30, room - counts.length - elapsed.length - 4);
    const bar = barWidth >= 5 ? `${progressBar(p.done / p.total, barWidth)}  ` : '';
    return `${bar}${counts}  ${elapsed}${message}`;
  }
  const r = rate(entry.samples, entry.startedAt, now);
  return `${count(p.done)} ${p.unit}  ${r === undefined ? '' : `${compact(r)}/s  `}${elapsed}${message}`;
}

function progressBar(fraction: number, width: number): string {
  const inner = width - 2;
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * inner);
  return `[${'#'.repeat(filled)}${'.'.repeat(inner - filled)}]`;
}

// Units per second over the last few seconds of samples (falling when they stop coming for over a second);
// since the start until the samples span a second.
function rate(samples: ReadonlyArray<[number, number]>, startedAt: number, now: number): number | undefined {
  const last = samples.at(-1);
  if (!last) return undefined;
  const first = samples[0]!;
  const span = Math.max(last[0], now - 1000) - first[0];
  if (samples.length >= 2 && span >= 1000) return Math.max(0, (last[1] - first[1]) / (span / 1000));
  const since = now - startedAt;
  return since >= 250 ? Math.max(0, last[1] / (since / 1000)) : undefined;
}

export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

// 950, 7.5, 12k, 182k, 1.2M, 3.4G: two or three significant digits.
export function compact(n: number): string {
  const short = (v: number) => (v < 9.95 ? v.toFixed(1).replace(/\.0$/, '') : v.toFixed(0));
  for (const [size, suffix] of [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) if (n >= size * 0.9995) return `${short(n / size)}${suffix}`;
  return short(n);
}

// 0:41, 12:05, 1:02:03.
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

// Cut to `width` terminal cells (whole code points; a CJK character or an emoji takes two, a combining mark
// none), so that a line never wraps. Control characters (a message from a child) would move the cursor:
// they are shown as spaces.
function truncate(text: string, width: number): { text: string; cells: number } {
  let out = '';
  let cells = 0;
  // eslint-disable-next-line no-control-regex
  for (const ch of text.replace(/[\x00-\x1f\x7f-\x9f]/g, ' ')) {
    const w = cellsOf(ch);
    if (cells + w > width) break;
    out += ch;
    cells += w;
  }
  return { text: out, cells };
}

const WIDE = /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{1F300}-\u{1F64F}\u{1F900}-\u{1F9FF}\u{20000}-\u{3FFFD}]/u;
const ZERO = /[\p{Mn}\p{Me}\u200B-\u200F]/u;

const EMOJI = /\p{Emoji_Presentation}/u;

function cellsOf(ch: string): number {
  return ZERO.test(ch) ? 0 : WIDE.test(ch) || EMOJI.test(ch) ? 2 : 1;
}
