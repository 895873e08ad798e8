import { hostname } from 'node:os';
import { resolve } from 'node:path';
import winston from 'winston';
import type { ProcessSpec } from '../core/process.js';
import type { LokiConfig } from '../core/process.js';
import type { LogLevel } from '../core/process.js';
import { FileSink } from './file-sink.js';
import { type LogFileLoss } from '../core/result.js';
import { allows, toLogLevel } from './levels.js';
import { LokiTransport } from './loki-transport.js';
import type { Redactor } from './redact.js';

const { combine, timestamp, printf, json } = winston.format;
const palette = winston.format.colorize({ colors: { debug: 'gray', info: 'green', warn: 'yellow', error: 'red' } });
const BOUND = new Set(['level', 'message', 'timestamp', 'runId', 'process', 'type']);
// Output a command printed is shown as such; which step printed it stays in the JSON log.
const CONSOLE_BOUND = new Set([...BOUND, 'stream', 'step', 'durationMs', 'peakMemoryMb']);
const MAX_MESSAGE = 4096;
const ROTATE = { maxBytes: 50 * 1024 * 1024, maxFiles: 5 };

/** The JSON-lines log, in --log-dir. */
export const JSON_LOG = 'sysadmintoolkit.jsonl';

export interface LoggingOptions {
  /** debug with --verbose, else info. */
  level: LogLevel;
  /** Folder of the JSON-lines log; none in --validate-only. */
  logDir?: string;
  color: boolean;
  redactor: Redactor;
  cwd?: string;
  /** Where the console lines go instead of stderr: a live progress display, which keeps them above its lines. */
  consoleStream?: NodeJS.WritableStream;
}

export interface Logging {
  root: winston.Logger;
  /** A child logger bound to {runId, process, type}, also writing to the process's own `logging.file`. */
  forProcess(spec: ProcessSpec, runId: string): winston.Logger;
  /** The level a process logs at, sent to its child so that it filters at the source. */
  levelOf(spec: ProcessSpec): LogLevel;
  /** Write what is still held for the log files and Loki (within `deadlineMs`); call once the program is about to end. */
  close(deadlineMs?: number): Promise<void>;
  /** The log files that lost lines (a full disk), each with its count; final once close() has returned. */
  losses(): LogFileLoss[];
}

// Console (stderr, human), JSON lines under logDir, and per-process files; every line redacted first.
export function createLogging(options: LoggingOptions): Logging {
  const processLevels = new Map<string, LogLevel>();
  const levelFor = (processName: unknown) => (typeof processName === 'string' && processLevels.get(processName)) || options.level;
  const redact = winston.format((info) => {
    if (!allows(levelFor(info.process), info.level)) return false;
    for (const key of Object.keys(info)) if (key !== 'level') info[key] = options.redactor.value(info[key]);
    // Cut only after masking: a cut through a secret would leave a piece that no longer matches it.
    if (typeof info.message === 'string' && info.message.length > MAX_MESSAGE) info.message = `${info.message.slice(0, MAX_MESSAGE)}... (${info.message.length - MAX_MESSAGE} more characters)`;
    return info;
  });
  // A log file that fails is said on the console (and in the other files), never by throwing.
  const trouble = (message: string) => void root.warn(message);
  const sinks: FileSink[] = [];
  const transports: winston.transport[] = [
    consoleTransport(options),
  ];
  let jsonLines: FileSink | undefined;
  if (options.logDir) {
    jsonLines = new FileSink({ filename: resolve(options.logDir, JSON_LOG), format: json(), ...ROTATE, onTrouble: trouble });
    sinks.push(jsonLines);
    transports.push(jsonLines);
  }
  const root = winston.createLogger({ level: 'debug', format: combine(redact(), timestamp()), transports });

  const files = new Map<string, Set<string>>();
  const lokis = new Map<string, LokiTransport>();
  const levelOf = (spec: ProcessSpec) => (options.level === 'debug' ? 'debug' : toLogLevel(spec.logging?.level, options.level));
  return {
    root,
    levelOf,
    forProcess(spec, runId) {
      processLevels.set(spec.name, levelOf(spec));
      if (spec.logging?.file) attachProcessFile(root, files, resolve(options.cwd ?? '.', spec.logging.file), spec.name, (sink) => sinks.push(sink), trouble);
      attachLoki(root, lokis, spec.logging?.loki, spec.name);
      return root.child({ runId, process: spec.name, type: spec.type });
    },
    async close(deadlineMs = 5000) {
      // winston hands lines to its transports through a stream: the last ones may still be on their way
      // (held back by a slower transport). Let them arrive before the last writes and the last push.
      const deadline = Date.now() + deadlineMs;
      const drain = async (outputs: Array<FileSink | LokiTransport>) => {
        while ((root.readableLength > 0 || outputs.some((t) => t.writableLength > 0)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        await Promise.all(outputs.map((t) => t.drain(Math.max(0, deadline - Date.now()))));
      };
      // The processes' files and Loki first: what they say of their troubles in their last writes (a full disk
      // that took a line again) is logged through the root, so the JSON-lines file, drained last, holds it or
      // counts it as lost, as the console shows it.
      await drain([...sinks.filter((s) => s !== jsonLines), ...lokis.values()]);
      if (jsonLines) await drain([jsonLines]);
    },
    losses: () => sinks.flatMap((s) => s.loss ?? []),
  };
}

// One file per name, shared by the processes that name it; each takes only its processes' lines.
function attachProcessFile(root: winston.Logger, files: Map<string, Set<string>>, filename: string, name: string, added: (sink: FileSink) => void, onTrouble: (message: string) => void): void {
  const existing = files.get(filename);
  if (existing) return void existing.add(name);
  const names = new Set([name]);
  files.set(filename, names);
  const mine = winston.format((info) => (names.has(String(info.process)) ? info : false));
  const sink = new FileSink({ filename, format: combine(mine(), printf(fileLine)), ...ROTATE, onTrouble });
  added(sink);
  root.add(sink);
}

// One Loki transport per server and label set, shared like the files. Its troubles are logged without a
// process, so they never go to Loki themselves.
function attachLoki(root: winston.Logger, lokis: Map<string, LokiTransport>, loki: LokiConfig | undefined, name: string): void {
  const key = loki ? JSON.stringify([loki.url, loki.user, loki.password, loki.tls_verify, loki.labels]) : undefined;
  // A reloaded definition (SIGHUP) may have moved the process to another Loki, or off Loki.
  for (const [k, t] of lokis) if (k !== key) t.unfollow(name);
  if (!loki || !key) return;
  const existing = lokis.get(key);
  if (existing) return existing.follow(name);
  const transport = new LokiTransport({ ...loki, host: hostname(), processes: new Set([name]), onTrouble: (message) => root.warn(message) });
  lokis.set(key, transport);
  root.add(transport);
}

// 2026-11-23 04:00:01 INFO  nightly (influxdb-copy): Copied 1000 points.
function consoleLine(info: winston.Logform.TransformableInfo, color: boolean): string {
  const time = localTime(String(info.timestamp));
  const label = String(info.level).toUpperCase().padEnd(5);
  const who = info.process ? `${info.process} (${info.type}): ` : '';
  const stream = typeof info.stream === 'string' ? `${info.stream}| ` : '';
  return `${time} ${color ? palette.colorize(info.level, label) : label} ${who}${stream}${info.message}${extras(info, CONSOLE_BOUND)}`;
}

// 2026-11-23T04:00:01.123Z INFO  [run 2026-11-23T04:00:00.000Z-3f2a] nightly (influxdb-copy): Copied 1000 points.
function fileLine(info: winston.Logform.TransformableInfo): string {
  return `${info.timestamp} ${String(info.level).toUpperCase().padEnd(5)} [run ${info.runId}] ${info.process} (${info.type}): ${info.message}${extras(info)}`;
}

function extras(info: winston.Logform.TransformableInfo, bound = BOUND): string {
  const rest = Object.entries(info).filter(([k]) => !bound.has(k));
  return rest.length ? ` ${rest.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}` : '';
}

function localTime(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// The human lines: on stderr, or through the stream given (the Console transport takes no stream).
function consoleTransport(options: LoggingOptions): winston.transport {
  const format = printf((info) => consoleLine(info, options.color));
  if (options.consoleStream) return new winston.transports.Stream({ stream: options.consoleStream, format });
  return new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'], format });
}
