import { createReadStream, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { JSON_LOG } from '../logging/logger.js';

/** A line of the JSON-lines log: what winston wrote (level, message, timestamp, runId, process, type, and the rest). */
export type LogEntry = Record<string, unknown> & { level?: string; message?: string; timestamp?: string; runId?: string; process?: string; type?: string };

/** Which lines: those of one run, of one of its processes when `process` is given. */
export interface LineFilter {
  runId: string;
  process?: string;
}

// The log files of --log-dir, oldest first: sysadmintoolkit4.jsonl … sysadmintoolkit1.jsonl, then sysadmintoolkit.jsonl
// (the file sink rotates them so).
export function logFiles(dir: string): string[] {
  const base = JSON_LOG.replace(/\.jsonl$/, '');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const rank = (name: string) => Number(name.slice(base.length, -'.jsonl'.length) || 0);
  return names
    .filter((n) => new RegExp(`^${base}\\d*\\.jsonl$`).test(n))
    .sort((a, b) => rank(b) - rank(a))
    .map((n) => join(dir, n));
}

// Each line of `path` from byte `start` (to `end`, excluded) that passes `filter`; `consumed`: the bytes read up to
// the last whole line, where reading goes on (a line being written is read the next time).
export async function readLines(path: string, filter: LineFilter, start = 0, end?: number): Promise<{ entries: LogEntry[]; consumed: number }> {
  const entries: LogEntry[] = [];
  let consumed = 0;
  let rest: Buffer = Buffer.alloc(0);
  if (end !== undefined && end <= start) return { entries, consumed };
  const stream = createReadStream(path, { start, ...(end === undefined ? {} : { end: end - 1 }) });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      rest = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      let from = 0;
      for (let nl = rest.indexOf(0x0a); nl !== -1; nl = rest.indexOf(0x0a, from)) {
        const entry = parse(rest.subarray(from, nl).toString('utf8'), filter);
        if (entry) entries.push(entry);
        consumed += nl + 1 - from;
        from = nl + 1;
      }
      rest = rest.subarray(from);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return { entries, consumed };
}

// Every line of the run in the log files of `dir`, oldest first.
export async function readRunLines(dir: string, filter: LineFilter): Promise<LogEntry[]> {
  const all: LogEntry[] = [];
  for (const file of logFiles(dir)) all.push(...(await readLines(file, filter)).entries);
  return all;
}

function parse(line: string, filter: LineFilter): LogEntry | undefined {
  // Most lines are another run's: the id is looked for before the line is parsed.
  if (!line.includes(filter.runId)) return undefined;
  try {
    const entry = JSON.parse(line) as LogEntry;
    if (entry.runId !== filter.runId) return undefined;
    if (filter.process !== undefined && entry.process !== filter.process) return undefined;
    return entry;
  } catch {
    return undefined; // a line torn by a full disk
  }
}

const SHOWN = new Set(['level', 'message', 'timestamp', 'runId', 'process', 'type', 'stream']);

// 2026-11-23T04:00:01.123Z INFO  nightly (command): stdout| copied 12 files  code=E_COMMAND
export function formatEntry(e: LogEntry): string {
  const who = e.process ? `${e.process} (${e.type}): ` : '';
  const stream = typeof e.stream === 'string' ? `${e.stream}| ` : '';
  const rest = Object.entries(e).filter(([k]) => !SHOWN.has(k));
  const extras = rest.length ? ` ${rest.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}` : '';
  return `${e.timestamp ?? ''} ${String(e.level ?? '').toUpperCase().padEnd(5)} ${who}${stream}${String(e.message ?? '')}${extras}`;
}

// The size and identity of a file now; undefined when it is not there.
export function sizeOf(path: string): { size: number; ino: number } | undefined {
  try {
    const s = statSync(path);
    return { size: s.size, ino: s.ino };
  } catch {
    return undefined;
  }
}
