import type { LogMeta, PipelineContext, PipelineLogger } from '../core/pipeline.js';
import { openCheckpoints } from '../state/checkpoints.js';
import { ChildCommand, type ChildMessage, type StartMessage } from './protocol.js';
import { type LogLevel } from '../core/process.js';

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

// The context a pipeline runs with inside a child process; log lines and progress travel to the parent.
export function createContext(start: StartMessage, signal: AbortSignal, send: (m: ChildMessage) => unknown): PipelineContext & { close(): void } {
  const threshold = ORDER[start.level];
  const line = (level: LogLevel) => (message: string, meta?: LogMeta) => {
    if (ORDER[level] >= threshold) send({ cmd: ChildCommand.Log, level, message, ...(meta ? { meta } : {}) });
  };
  const log: PipelineLogger = { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
  const checkpoints = openCheckpoints(start.statePath, start.spec.name, (message) => log.warn(message));
  return {
    runId: start.runId,
    process: start.spec.name,
    kind: start.spec.type,
    file: start.spec.file,
    date: start.date,
    signal,
    log,
    progress: (progress) => send({ cmd: ChildCommand.Progress, progress }),
    checkpoints,
    trackProcessGroup(pgid) {
      send({ cmd: ChildCommand.ProcessGroup, pgid, running: true });
      return () => send({ cmd: ChildCommand.ProcessGroup, pgid, running: false });
    },
    close: () => checkpoints.close(),
  };
}
