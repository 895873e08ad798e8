import { createRequire } from 'node:module';
import type { Checkpoints, LogMeta, PipelineContext, PipelineLogger } from '../core/pipeline.js';
import { ChildCommand, type ChildMessage, type StartMessage } from './protocol.js';
import { type LogLevel } from '../core/process.js';

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

// The state store's modules are loaded when a pipeline first uses a checkpoint: most kinds never do, and every child
// paid for loading them, node:fs with them (docs/performance.md, Orchestrator). Checkpoints are synchronous, so the
// store is loaded with require() of its ES module (Node 22.12 and later).
const require = createRequire(import.meta.url);
const loadCheckpoints = () => (require('../state/checkpoints.js') as typeof import('../state/checkpoints.js')).openCheckpoints;

// The context a pipeline runs with inside a child process; log lines and progress travel to the parent.
export function createContext(start: StartMessage, signal: AbortSignal, send: (m: ChildMessage) => unknown): PipelineContext & { close(): void } {
  const threshold = ORDER[start.level];
  const line = (level: LogLevel) => (message: string, meta?: LogMeta) => {
    if (ORDER[level] >= threshold) send({ cmd: ChildCommand.Log, level, message, ...(meta ? { meta } : {}) });
  };
  const log: PipelineLogger = { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
  let opened: ReturnType<ReturnType<typeof loadCheckpoints>> | undefined;
  const store = () => (opened ??= loadCheckpoints()(start.statePath, start.spec.name, (message) => log.warn(message)));
  const checkpoints: Checkpoints = {
    get: (key) => store().get(key),
    set: (key, value) => store().set(key, value),
    delete: (key) => store().delete(key),
    entries: () => store().entries(),
  };
  return {
    runId: start.runId,
    process: start.spec.name,
    kind: start.spec.type,
    file: start.spec.file,
    date: start.date,
    cwd: start.cwd ?? process.cwd(),
    signal,
    log,
    progress: (progress) => send({ cmd: ChildCommand.Progress, progress }),
    checkpoints,
    trackProcessGroup(pgid) {
      send({ cmd: ChildCommand.ProcessGroup, pgid, running: true });
      return () => send({ cmd: ChildCommand.ProcessGroup, pgid, running: false });
    },
    close: () => opened?.close(),
  };
}
