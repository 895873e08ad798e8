import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { compact, clock, createProgressDisplay, wantsProgressDisplay, type ProgressDisplay } from '../../src/cli/progress-display.js';
import type { ProcessSpec } from '../../src/core/process.js';
import { createLogging } from '../../src/logging/logger.js';
import { Redactor } from '../../src/logging/redact.js';
import type { ProcessResult } from '../../src/core/result.js';

// A terminal of 60 columns that keeps what is on screen: enough of VT100 for what the display writes
// (text, \r, \n as the tty's onlcr turns it into \r\n, cursor up, erase below, cursor shown/hidden, bold).
class FakeTerminal {
  readonly isTTY = true;
  columns = 60;
  rows = 24;
  readonly chunks: string[] = [];
  screen: string[] = [''];
  row = 0;
  col = 0;
  cursorVisible = true;
  /** Set when a character was written past the last column: the terminal would have wrapped it. */
  overflowed = false;

  write(data: string): boolean {
    this.chunks.push(data);
    for (let i = 0; i < data.length; ) {
      if (data[i] === '\x1b') {
        const m = /^\x1b\[(\?)?(\d*)([A-Za-z])/.exec(data.slice(i));
        if (!m) throw new Error(`unexpected escape at ${JSON.stringify(data.slice(i, i + 10))}`);
        const [all, private_, n, command] = m;
        if (private_ && n === '25') this.cursorVisible = command === 'h';
        else if (command === 'A') this.row = Math.max(0, this.row - Number(n || 1));
        else if (command === 'J') {
          this.screen[this.row] = this.screen[this.row]!.slice(0, this.col);
          this.screen.length = this.row + 1;
        } else if (command !== 'm') throw new Error(`unexpected escape ${JSON.stringify(all)}`);
        i += all.length;
        continue;
      }
      const ch = data[i]!;
      if (ch === '\r') this.col = 0;
      else if (ch === '\n') {
        this.row++;
        this.col = 0;
        while (this.screen.length <= this.row) this.screen.push('');
      } else {
        if (this.col >= this.columns) this.overflowed = true;
        const line = this.screen[this.row]!.padEnd(this.col);
        this.screen[this.row] = line.slice(0, this.col) + ch + line.slice(this.col + 1);
        this.col++;
      }
      i++;
    }
    return true;
  }

  /** What is on screen, without the empty row the cursor waits on. */
  lines(): string[] {
    const rows = [...this.screen];
    while (rows.length && rows.at(-1) === '') rows.pop();
    return rows;
  }

  all(): string {
    return this.chunks.join('');
  }
}

const spec = (name: string): ProcessSpec => ({ name, type: 'scan', file: 'config/a.yaml', enabled: true }) as unknown as ProcessSpec;
const result = (name: string): ProcessResult => ({ name, file: 'config/a.yaml', type: 'scan', status: 'success', startedAt: new Date().toISOString(), durationMs: 1 });

let term: FakeTerminal;
let display: ProgressDisplay;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], now: Date.UTC(2026, 10, 23, 4) });
  term = new FakeTerminal();
  display = createProgressDisplay({ stream: term });
});
afterEach(() => {
  display.close();
  vi.useRealTimers();
});

describe('the progress display', () => {
  it('draws a bar with done/total when the total is known, and moves the elapsed time on', () => {
    display.started!(spec('nightly_scan'), 'run');
    display.progress!(spec('nightly_scan'), { done: 12, total: 288, unit: 'interfaces' });
    vi.advanceTimersByTime(100);
    expect(term.lines()).toEqual(['nightly_scan  [#................]   12/288 interfaces  0:00']);
    expect(term.cursorVisible).toBe(false);
    vi.advanceTimersByTime(40_900);
    display.progress!(spec('nightly_scan'), { done: 144, total: 288, unit: 'interfaces' });
    vi.advanceTimersByTime(100);
    expect(term.lines()).toEqual(['nightly_scan  [#########........]  144/288 interfaces  0:41']);
    // No progress for a while: the line stays, its clock goes on.
    vi.advanceTimersByTime(20_000);
    expect(term.lines()).toEqual(['nightly_scan  [#########........]  144/288 interfaces  1:01']);
  });

  it('shows a count with a rate when there is no total, and "running" before any progress', () => {
    display.started!(spec('nightly_metrics'), 'run');
    vi.advanceTimersByTime(100);
    expect(term.lines()).toEqual(['nightly_metrics  running  0:00']);
    vi.advanceTimersByTime(39_900);
    display.progress!(spec('nightly_metrics'), { done: 1_052_567, unit: 'points' });
    vi.advanceTimersByTime(1000);
    display.progress!(spec('nightly_metrics'), { done: 1_234_567, unit: 'points' });
    vi.advanceTimersByTime(100);
    expect(term.lines()).toEqual(['nightly_metrics  1,234,567 points  182k/s  0:41']);
  });

  it('keeps one line per running process, and a finished one leaves the live area', () => {
    display.started!(spec('a'), 'run');
    display.started!(spec('longer_name'), 'run');
    display.progress!(spec('a'), { done: 5, unit: 'lines', message: 'access.log' });
    vi.advanceTimersByTime(1100);
    expect(term.lines()).toEqual(['a            5 lines  4.5/s  0:01  access.log', 'longer_name  running  0:01']);
    display.finished!(spec('a'), result('a'), 'run');
    vi.advanceTimersByTime(100);
    expect(term.lines()).toEqual(['longer_name  running  0:01']);
    display.finished!(spec('longer_name'), result('longer_name'), 'run');
    vi.advanceTimersByTime(100);
    expect(term.lines()).toEqual([]);
    // A late progress message does not bring a finished process back.
    display.progress!(spec('a'), { done: 6, unit: 'lines' });
    vi.advanceTimersByTime(1000);
    expect(term.lines()).toEqual([]);
    expect(term.cursorVisible).toBe(true);
  });

  it('cuts every line to the width of the terminal: nothing wraps', () => {
    const long = 'a_process_name_much_longer_than_the_column';
    display.started!(spec(long), 'run');
    display.progress!(spec(long), { done: 3, total: 10, unit: 'interfaces', message: `/var/log/${'x'.repeat(100)}\x1b[2J.log` });
    vi.advanceTimersByTime(100);
    const [line] = term.lines();
    expect(line).toBe('a_process_name_much_lon~  [##.....]   3/10 interfaces  0:00');
    expect(line!.length).toBe(59);
    expect(term.overflowed).toBe(false);
    // Narrower: the next frame is cut to the new width.
    term.columns = 30;
    display.progress!(spec(long), { done: 4, total: 10, unit: 'interfaces' });
    vi.advanceTimersByTime(100);
    expect(term.lines()).toEqual(['a_process_name_much_lon~   4/']);
  });

  it('counts a CJK character or an emoji as two columns, so that a wide file name does not wrap either', () => {
    display.started!(spec('weblogs'), 'run');
    display.progress!(spec('weblogs'), { done: 1200, unit: 'lines', message: `/var/log/${'日志'.repeat(40)}.log` });
    vi.advanceTimersByTime(100);
    const [line] = term.lines();
    const columns = Array.from(line!).reduce((sum, ch) => sum + (/[\u4E00-\u9FFF]/.test(ch) ? 2 : 1), 0);
    expect(line).toMatch(/^weblogs  1,200 lines .*\/var\/log\/日志/);
    expect(columns).toBeLessThanOrEqual(59);
    expect(columns).toBeGreaterThanOrEqual(58);
  });

  it('clears the live lines before a log line and draws them again after it', () => {
    display.started!(spec('nightly_scan'), 'run');
    display.progress!(spec('nightly_scan'), { done: 1, total: 4, unit: 'interfaces' });
    vi.advanceTimersByTime(250);
    const before = term.chunks.length;
    display.writeAbove('2026-11-23 04:00:00 INFO  nightly_scan (scan): Collected.\n');
    // One write: back to the first live row, erase below, then the line; the live line comes back right after.
    expect(term.chunks.slice(before)).toEqual([
      '\r\x1b[1A\x1b[J2026-11-23 04:00:00 INFO  nightly_scan (scan): Collected.\n',
      'nightly_scan  [#####................]  1/4 interfaces  0:00\n',
    ]);
    expect(term.lines()).toEqual(['2026-11-23 04:00:00 INFO  nightly_scan (scan): Collected.', 'nightly_scan  [#####................]  1/4 interfaces  0:00']);
    // A burst of lines: redrawn at most every 100 ms, always below them.
    for (let i = 0; i < 5; i++) display.writeAbove(`line ${i}\n`);
    vi.advanceTimersByTime(100);
    expect(term.lines()).toEqual(['2026-11-23 04:00:00 INFO  nightly_scan (scan): Collected.', 'line 0', 'line 1', 'line 2', 'line 3', 'line 4', 'nightly_scan  [#####................]  1/4 interfaces  0:00']);
    // A line written in pieces is held until it is complete.
    display.writeAbove('half ');
    display.writeAbove('and half\n');
    vi.advanceTimersByTime(100);
    expect(term.lines().slice(-2)).toEqual(['half and half', 'nightly_scan  [#####................]  1/4 interfaces  0:00']);
  });

  it('redraws at most ten times a second however often progress comes', () => {
    display.started!(spec('fast'), 'run');
    const before = term.chunks.length;
    for (let i = 1; i <= 100; i++) {
      display.progress!(spec('fast'), { done: i * 1000, unit: 'points' });
      vi.advanceTimersByTime(10);
    }
    expect(term.chunks.length - before).toBeLessThanOrEqual(11);
    expect(term.lines()).toEqual([expect.stringMatching(/^fast  100,000 points  \S+\/s  0:01$/)]);
  });

  it('takes the log lines of the console transport through its stream', async () => {
    vi.useRealTimers();
    const logging = createLogging({ level: 'info', color: false, redactor: new Redactor(), consoleStream: display.logStream });
    display.started!(spec('nightly_scan'), 'run');
    logging.root.info('Run started.');
    await new Promise((r) => setTimeout(r, 150));
    const lines = term.lines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d INFO  Run started\.$/);
    expect(lines[1]).toBe('nightly_scan  running  0:00');
  });

  it('clears the live area and shows the cursor on close; log lines still pass after it', () => {
    const exitListeners = process.listenerCount('exit');
    const other = createProgressDisplay({ stream: term });
    expect(process.listenerCount('exit')).toBe(exitListeners + 1);
    other.started!(spec('a'), 'run');
    other.started!(spec('b'), 'run');
    vi.advanceTimersByTime(100);
    expect(term.lines()).toHaveLength(2);
    other.close();
    expect(term.chunks.at(-1)).toBe('\r\x1b[2A\x1b[J\x1b[?25h');
    expect(term.lines()).toEqual([]);
    expect(term.cursorVisible).toBe(true);
    expect(process.listenerCount('exit')).toBe(exitListeners);
    other.progress!(spec('a'), { done: 1, unit: 'points' });
    other.writeAbove('after\n');
    vi.advanceTimersByTime(2000);
    expect(term.lines()).toEqual(['after']);
    other.close(); // again: nothing more
    expect(term.chunks.at(-1)).toBe('after\n');
  });

  it('shows at most a screenful of lines, and says how many more run', () => {
    term.rows = 5;
    for (const n of ['p1', 'p2', 'p3', 'p4', 'p5']) display.started!(spec(n), 'run');
    vi.advanceTimersByTime(100);
    expect(term.lines()).toEqual(['p1  running  0:00', 'p2  running  0:00', '... and 3 more running']);
  });

  it('is wanted on a terminal only, and not with TERM=dumb', () => {
    expect(wantsProgressDisplay({ isTTY: true }, { TERM: 'xterm-256color' })).toBe(true);
    expect(wantsProgressDisplay({ isTTY: true }, { TERM: 'xterm', NO_COLOR: '1' })).toBe(true);
    expect(wantsProgressDisplay({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(wantsProgressDisplay({ isTTY: false }, { TERM: 'xterm' })).toBe(false);
    expect(wantsProgressDisplay({}, {})).toBe(false);
  });

  it('colours only the process name, when asked', () => {
    const colored = createProgressDisplay({ stream: term, color: true });
    colored.started!(spec('a'), 'run');
    vi.advanceTimersByTime(100);
    expect(term.all()).toContain('\x1b[1ma\x1b[22m  running  0:00\n');
    colored.close();
  });
});

describe('numbers and times', () => {
  it('formats rates and clocks compactly', () => {
    expect([0.5, 7, 950, 1000, 9_949, 12_499, 182_345, 1_234_567, 3.4e9].map(compact)).toEqual(['0.5', '7', '950', '1k', '9.9k', '12k', '182k', '1.2M', '3.4G']);
    expect([0, 41_999, 725_000, 3_723_000].map(clock)).toEqual(['0:00', '0:41', '12:05', '1:02:03']);
  });
});
