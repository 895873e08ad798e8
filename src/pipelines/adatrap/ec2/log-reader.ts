import { GetLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { errorName } from './clients.js';

export interface LogEvent {
  /** Milliseconds since the epoch, as CloudWatch Logs keeps them. */
  timestamp: number;
  message: string;
}

export interface StreamPosition {
  group: string;
  stream: string;
  /** Milliseconds; inclusive. */
  startTime?: number;
  /** Milliseconds; exclusive, as CloudWatch Logs takes it. */
  endTime?: number;
  /** Where the last read stopped: the next read goes on from there. */
  token?: string;
}

// The events of a stream from where `position` stands, every page: GetLogEvents from the head, following
// nextForwardToken until the same token comes back (the end, for now). `position.token` moves along, so the
// next call reads only what came after. A stream that does not exist yet reads as empty.
export async function readNewEvents(client: CloudWatchLogsClient, position: StreamPosition, onEvent: (e: LogEvent) => void, signal?: AbortSignal): Promise<number> {
  let count = 0;
  for (;;) {
    let page;
    try {
      page = await client.send(
        new GetLogEventsCommand({
          logGroupName: position.group,
          logStreamName: position.stream,
          startFromHead: true,
          ...(position.startTime !== undefined ? { startTime: position.startTime } : {}),
          ...(position.endTime !== undefined ? { endTime: position.endTime } : {}),
          ...(position.token ? { nextToken: position.token } : {}),
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException' && !position.token) return count;
      throw error;
    }
    for (const e of page.events ?? []) {
      onEvent({ timestamp: e.timestamp ?? 0, message: e.message ?? '' });
      count++;
    }
    const next = page.nextForwardToken;
    if (!next || next === position.token) return count;
    position.token = next;
  }
}
