import type { LogLevel } from '../core/process.js';

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

// Accepts the seed's Python names (WARNING, INFO …) as well as winston's.
export function toLogLevel(name: string | undefined, fallback: LogLevel): LogLevel {
  const level = name?.toLowerCase();
  if (level === 'warning') return 'warn';
  return level === 'debug' || level === 'info' || level === 'warn' || level === 'error' ? level : fallback;
}

export function allows(threshold: LogLevel, level: string): boolean {
  return (ORDER[level as LogLevel] ?? ORDER.info) >= ORDER[threshold];
}
