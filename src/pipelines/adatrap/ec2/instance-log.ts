import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { PipelineLogger } from '../../../core/pipeline.js';
import { awsReason } from './clients.js';
import { readNewEvents, type StreamPosition } from './log-reader.js';

const LEVEL = /^(debug|info|warn|error): ([\s\S]*)$/;

// An instance's CloudWatch Logs stream, into the run's log: each pull reads what is new (every page), each line
// at the level the instance wrote it with, marked with the instance. A failed read is said once, not fatal.
export class InstanceLog {
  private readonly position: StreamPosition;
  private warned = false;

  constructor(
    private readonly client: CloudWatchLogsClient,
    group: string,
    private readonly id: string,
    private readonly log: PipelineLogger,
  ) {
    this.position = { group, stream: id };
  }

  async pull(signal: AbortSignal): Promise<void> {
    try {
      await readNewEvents(this.client, this.position, (e) => {
        const m = LEVEL.exec(e.message);
        const level = (m?.[1] ?? 'info') as 'debug' | 'info' | 'warn' | 'error';
        this.log[level](`${this.id}: ${m?.[2] ?? e.message}`, { instance: this.id });
      }, signal);
    } catch (error) {
      if (signal.aborted || this.warned) return;
      this.warned = true;
      this.log.warn(`Cannot read the log of instance ${this.id} from CloudWatch Logs ${this.position.group}/${this.id}: ${awsReason(error)}; the day goes on.`);
    }
  }
}
