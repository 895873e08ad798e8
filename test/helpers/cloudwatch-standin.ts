import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchLogsServiceException, type GetLogEventsCommandInput, type GetLogEventsCommandOutput, type InputLogEvent } from '@aws-sdk/client-cloudwatch-logs';

// CloudWatch Logs as its API behaves, for the EC2 stand-in: groups and streams must exist, PutLogEvents holds
// its limits (10,000 events, 1,048,576 bytes counting 26 per event, time order, 24 hours a call), GetLogEvents
// pages (a small page, as a real stream's many) with nextForwardToken and gives back the token it was given at
// the end. Reached two ways: through aws-sdk-client-mock in the test process, and over HTTP (the JSON 1.1 protocol
// of the SDK) by `main adatrap remote` in an instance's process, pointed here by AWS_ENDPOINT_URL_CLOUDWATCH_LOGS.
export class LogStore {
  readonly groups = new Map<string, Map<string, Array<{ timestamp: number; message: string; ingestionTime: number }>>>();
  readonly putCalls: Array<{ group: string; stream: string; events: number; bytes: number }> = [];
  private server?: Server;
  endpoint = '';

  constructor(readonly pageSize = 5) {}

  createGroup(name: string): void {
    if (!this.groups.has(name)) this.groups.set(name, new Map());
  }

  createStream(group: string, stream: string): void {
    const streams = this.groups.get(group);
    if (!streams) throw fault('ResourceNotFoundException', `The specified log group does not exist: ${group}`);
    if (streams.has(stream)) throw fault('ResourceAlreadyExistsException', `The specified log stream already exists: ${stream}`);
    streams.set(stream, []);
  }

  put(group: string, stream: string, events: InputLogEvent[]): void {
    const target = this.groups.get(group)?.get(stream);
    if (!target) throw fault('ResourceNotFoundException', `The specified log ${this.groups.has(group) ? 'stream' : 'group'} does not exist.`);
    if (!events.length) throw fault('InvalidParameterException', 'logEvents must not be empty');
    if (events.length > 10_000) throw fault('InvalidParameterException', `${events.length} events in one call: at most 10000`);
    const bytes = events.reduce((n, e) => n + Buffer.byteLength(e.message ?? '') + 26, 0);
    if (bytes > 1_048_576) throw fault('InvalidParameterException', `a batch of ${bytes} bytes: at most 1048576`);
    for (let i = 1; i < events.length; i++) if (events[i]!.timestamp! < events[i - 1]!.timestamp!) throw fault('InvalidParameterException', 'Log events in a single PutLogEvents request must be in chronological order.');
    if (events.at(-1)!.timestamp! - events[0]!.timestamp! > 24 * 3600 * 1000) throw fault('InvalidParameterException', 'A batch of log events in a single request cannot span more than 24 hours.');
    this.putCalls.push({ group, stream, events: events.length, bytes });
    const now = Date.now();
    for (const e of events) target.push({ timestamp: e.timestamp!, message: e.message!, ingestionTime: now });
  }

  get(input: GetLogEventsCommandInput): GetLogEventsCommandOutput {
    const events = this.groups.get(input.logGroupName!)?.get(input.logStreamName!);
    if (!events) throw fault('ResourceNotFoundException', 'The specified log stream does not exist.');
    if (!input.startFromHead && !input.nextToken) throw new Error('stand-in: reads from the tail are not modelled; pass startFromHead');
    const start = input.nextToken ? Number(/^f\/(\d+)$/.exec(input.nextToken)?.[1] ?? NaN) : 0;
    if (Number.isNaN(start)) throw fault('InvalidParameterException', `The specified nextToken is invalid: ${input.nextToken}`);
    const limit = Math.min(input.limit ?? 10_000, this.pageSize);
    const page: typeof events = [];
    let at = start;
    for (; at < events.length && page.length < limit; at++) {
      const e = events[at]!;
      if ((input.startTime === undefined || e.timestamp >= input.startTime) && (input.endTime === undefined || e.timestamp < input.endTime)) page.push(e);
    }
    return { events: page, nextForwardToken: `f/${at}`, nextBackwardToken: `b/${start}`, $metadata: {} };
  }

  lines(group: string, stream: string): string[] {
    return (this.groups.get(group)?.get(stream) ?? []).map((e) => e.message);
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c)).on('end', () => {
        const op = String(req.headers['x-amz-target'] ?? '').replace('Logs_20140328.', '');
        const reply = (status: number, payload: unknown) => res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(payload));
        try {
          const input = JSON.parse(body || '{}');
          if (op === 'CreateLogStream') this.createStream(input.logGroupName, input.logStreamName);
          else if (op === 'PutLogEvents') this.put(input.logGroupName, input.logStreamName, input.logEvents);
          else return reply(400, { __type: 'UnknownOperationException', message: `stand-in: ${op} is not modelled` });
          reply(200, {});
        } catch (error) {
          const e = error as { name?: string; message?: string };
          reply(400, { __type: e.name ?? 'ServiceUnavailableException', message: e.message });
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.endpoint;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
  }
}

function fault(name: string, message: string): CloudWatchLogsServiceException {
  return new CloudWatchLogsServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
}
