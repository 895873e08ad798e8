import { parseEpoch, parseIsoTime } from '../timestamps.js';
import type { Entry, LineFormat } from './entry.js';

// pino and bunyan write levels as numbers.
const NUMERIC_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

// One JSON object a line; the time, level and message are found under the first of their configured keys.
export function jsonl(fields: { time: string[]; level: string[]; message: string[] }, timeZone: string): LineFormat {
  return {
    name: 'jsonl',
    family: 'json',
    fields: ['level', 'message'],
    parse(line) {
      let data: unknown;
      try {
        data = JSON.parse(line);
      } catch (error) {
        return `not JSON: ${(error as Error).message}`;
      }
      if (data === null || typeof data !== 'object' || Array.isArray(data)) return `not a JSON object: the line is ${Array.isArray(data) ? 'an array' : `a ${data === null ? 'null' : typeof data}`}`;
      const object = data as Record<string, unknown>;
      const rawTime = first(object, fields.time);
      let time: number | null = null;
      if (rawTime !== undefined && rawTime !== null) {
        const parsed = typeof rawTime === 'number' ? parseEpoch(rawTime) : typeof rawTime === 'string' ? parseIsoTime(rawTime, timeZone) ?? (/^\d+(\.\d+)?$/.test(rawTime) ? parseEpoch(Number(rawTime)) : undefined) : undefined;
        if (parsed === undefined) return `invalid time ${JSON.stringify(rawTime).slice(0, 60)}`;
        time = parsed;
      }
      const level = first(object, fields.level);
      const message = first(object, fields.message);
      const entry: Entry = {
        time,
        level: typeof level === 'number' ? (NUMERIC_LEVELS[level] ?? String(level)) : typeof level === 'string' ? level.toLowerCase() : null,
        message: message === undefined || message === null ? null : typeof message === 'string' ? message : JSON.stringify(message),
        data: object,
      };
      return entry;
    },
  };
}

function first(object: Record<string, unknown>, keys: string[]): unknown {
  for (const key of keys) {
    const value = lookup(object, key);
    if (value !== undefined) return value;
  }
  return undefined;
}

// "log.level" reaches into {"log": {"level": …}}; a key that itself holds a dot is tried first.
export function lookup(object: Record<string, unknown>, path: string): unknown {
  if (path in object) return object[path];
  let current: unknown = object;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
