import { CreateLogStreamCommand, PutLogEventsCommand, type CloudWatchLogsClient, type InputLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { awsReason, errorName } from './clients.js';

// PutLogEvents' limits: 10,000 events and 1,048,576 bytes a call, each event counting its UTF-8 bytes plus 26;
// events in time order, a call spanning at most 24 hours. An event above 256 KiB is cut (the documented limit
// for years; raised since, but not everywhere).
export const MAX_EVENTS = 10_000;
export const MAX_BATCH_BYTES = 1_048_576;
export const EVENT_OVERHEAD = 26;
export const MAX_EVENT_BYTES = 256 * 1024 - EVENT_OVERHEAD;
const MAX_SPAN_MS = 24 * 3600 * 1000;
const FLUSH_EVERY_MS = 2000;

// An instance's log lines to its CloudWatch Logs stream, in batches, in order, one call at a time. A call that
// fails after the SDK's retries is said on `warn` (the instance's stdout) and its lines dropped, so that a
// log service that is down never holds the day.
export class LogBatcher {
  private queue: InputLogEvent[] = [];
  private lastTimestamp = 0;
  private sending: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private streamReady = false;

  constructor(
    private readonly client: CloudWatchLogsClient,
    private readonly group: string,
    private readonly stream: string,
    private readonly warn: (line: string) => void,
    flushEveryMs = FLUSH_EVERY_MS,
  ) {
    this.timer = setInterval(() => void this.flush(), flushEveryMs).unref();
  }

  add(message: string, timestamp = Date.now()): void {
    // Time order, even when the clock steps back.
    this.lastTimestamp = Math.max(this.lastTimestamp, timestamp);
    this.queue.push({ timestamp: this.lastTimestamp, message: cut(message === '' ? ' ' : message) });
  }

  // Sends what is queued; resolves when it (and every earlier send) is done.
  flush(): Promise<void> {
    this.sending = this.sending.then(async () => {
      while (this.queue.length) await this.send(nextBatch(this.queue));
    });
    return this.sending;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async send(batch: InputLogEvent[]): Promise<void> {
    try {
      if (!this.streamReady) await this.createStream();
      const out = await this.client.send(new PutLogEventsCommand({ logGroupName: this.group, logStreamName: this.stream, logEvents: batch }));
      const rejected = out.rejectedLogEventsInfo;
      if (rejected) this.warn(`CloudWatch Logs refused some of ${batch.length} lines of ${this.group}/${this.stream}: ${JSON.stringify(rejected)}`);
    } catch (error) {
      this.warn(`CloudWatch Logs: ${batch.length} line(s) not sent to ${this.group}/${this.stream}: ${awsReason(error)}`);
    }
  }

  private async createStream(): Promise<void> {
    try {
      await this.client.send(new CreateLogStreamCommand({ logGroupName: this.group, logStreamName: this.stream }));
    } catch (error) {
      if (errorName(error) !== 'ResourceAlreadyExistsException') throw error;
    }
    this.streamReady = true;
  }
}

// Takes the longest head of the queue one PutLogEvents call may carry.
export function nextBatch(queue: InputLogEvent[]): InputLogEvent[] {
  let bytes = 0;
  let n = 0;
  const first = queue[0]?.timestamp ?? 0;
  for (const e of queue) {
    const size = Buffer.byteLength(e.message!) + EVENT_OVERHEAD;
    if (n === MAX_EVENTS || bytes + size > MAX_BATCH_BYTES || e.timestamp! - first > MAX_SPAN_MS) break;
    bytes += size;
    n++;
  }
  return queue.splice(0, Math.max(n, 1));
}

function cut(message: string): string {
  if (Buffer.byteLength(message) <= MAX_EVENT_BYTES) return message;
  // Cut on bytes, then drop a character split in two (a U+FFFD at the end).
  return Buffer.from(message).subarray(0, MAX_EVENT_BYTES - 3).toString('utf8').replace(/\uFFFD$/, '');
}
