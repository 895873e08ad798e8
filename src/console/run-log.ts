import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface LogLine {
  timestamp: string;
  level: string;
  process?: string;
  message: string;
  /** stdout or stderr, for a line a command printed. */
  stream?: string;
}

/** The JSON-lines log in --log-dir, and its rotated files: sysadmintoolkit1.jsonl (newest) … sysadmintoolkit4.jsonl. */
const LOG = { name: 'sysadmintoolkit', ext: '.jsonl', rotated: 4 };

// A run's lines from the JSON-lines log, oldest first, at most `max` (the first ones, and how many more there
// were): each line of the log names its run (`runId`), set by the logger of every process and of the run itself.
export async function runLogLines(logDir: string, runId: string, max: number): Promise<{ lines: LogLine[]; more: number }> {
  const files = [...Array.from({ length: LOG.rotated }, (_, i) => `${LOG.name}${LOG.rotated - i}${LOG.ext}`), `${LOG.name}${LOG.ext}`].map((f) => join(logDir, f)).filter((f) => existsSync(f));
  const lines: LogLine[] = [];
  let more = 0;
  // Only lines that can be this run's are parsed: the log may hold months of other runs.
  const needle = `"runId":${JSON.stringify(runId)}`;
  for (const file of files) {
    const input = createReadStream(file, { encoding: 'utf8' });
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      if (!text.includes(needle)) continue;
      const line = parse(text, runId);
      if (!line) continue;
      if (lines.length < max) lines.push(line);
      else more++;
    }
  }
  return { lines, more };
}

function parse(text: string, runId: string): LogLine | undefined {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined; // a line torn by a crash or a full disk
  }
  if (o.runId !== runId) return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return {
    timestamp: str(o.timestamp) ?? '',
    level: str(o.level) ?? '',
    message: typeof o.message === 'string' ? o.message : JSON.stringify(o.message),
    ...(str(o.process) ? { process: str(o.process) } : {}),
    ...(str(o.stream) ? { stream: str(o.stream) } : {}),
  };
}
