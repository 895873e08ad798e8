import { basename } from 'node:path';
import pLimit from 'p-limit';
import type { ProcessSpec } from '../core/process.js';
import type { RunSummary } from '../core/result.js';
import { describeError } from '../core/errors.js';
import type { PipelineLogger } from '../core/pipeline.js';
import type { Inbox } from './inbox.js';

export interface HandoffOptions {
  /** The `logs` process each file runs as. */
  spec: ProcessSpec;
  inbox: Inbox;
  maxParallel: number;
  /** Aborted when serve stops: files not yet handed off wait in the inbox for the next start. */
  stop: AbortSignal;
  /** runProcesses, bound to serve's logging, state store and interruption. */
  run(specs: ProcessSpec[]): Promise<RunSummary>;
  log: PipelineLogger;
}

// Each received file runs as the named `logs` process with that one file as its input, at most `maxParallel` at once;
// a success moves it to processed/, anything else leaves it in the inbox.
export class Handoff {
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly queued = new Set<string>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly options: HandoffOptions) {
    this.limit = pLimit(options.maxParallel);
  }

  enqueue(path: string): void {
    if (this.queued.has(path)) return;
    this.queued.add(path);
    const task: Promise<void> = this.limit(() => this.handOff(path)).finally(() => {
      this.queued.delete(path);
      this.running.delete(task);
    });
    this.running.add(task);
  }

  // Settles when every hand-off queued so far has ended.
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }

  private async handOff(path: string): Promise<void> {
    const { spec, inbox, log, stop } = this.options;
    const name = basename(path);
    if (stop.aborted) return;
    try {
      const summary = await this.options.run([{ ...spec, enabled: true, inputs: [path] }]);
      const result = summary.processes[0];
      if (result?.status === 'success') {
        await inbox.markProcessed(path);
        const read = result.records ? `, ${result.records.read} records read` : '';
        log.info(`Processed ${name} as ${spec.name} (run ${summary.runId}${read}); moved to processed/.`, { runId: summary.runId });
      } else {
        const why = result?.error ? `${result.error.code}: ${result.error.message}` : 'no result';
        log.error(`Processing ${name} as ${spec.name} ended ${result?.status ?? 'without a result'} (run ${summary.runId}): ${why}. It stays in the inbox and is handed off again at the next start.`, { runId: summary.runId });
      }
    } catch (error) {
      log.error(`Could not hand ${name} off to ${spec.name}: ${describeError(error)}. It stays in the inbox.`);
    }
  }
}
