import { CloudWatchLogsClient, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LogBatcher, MAX_EVENT_BYTES } from '../../src/pipelines/adatrap/ec2/log-batcher.js';
import { Ec2StandIn } from '../helpers/ec2-standin.js';

// The batcher of `main adatrap remote`, in this process against the stand-in's CloudWatch Logs (through the mock),
// whose PutLogEvents refuses what the service refuses: over 10,000 events or 1 MiB a call, out of time order.
let standIn: Ec2StandIn;
let client: CloudWatchLogsClient;
const warnings: string[] = [];
beforeEach(async () => {
  standIn = await Ec2StandIn.start();
  standIn.logs.createGroup('g');
  client = new CloudWatchLogsClient({ region: 'us-east-1' });
  warnings.length = 0;
});
afterEach(async () => {
  client.destroy();
  await standIn.close();
});

const batcher = () => new LogBatcher(client, 'g', 'i-0123456789abcdef0', (w) => warnings.push(w), 60_000);

describe('the PutLogEvents batcher', () => {
  it('sends 25,000 lines in three calls of at most 10,000, creating the stream once', async () => {
    const b = batcher();
    for (let i = 0; i < 25_000; i++) b.add(`line ${i}`, 1_000_000 + i);
    await b.close();
    expect(warnings).toEqual([]);
    expect(standIn.logs.putCalls.map((c) => c.events)).toEqual([10_000, 10_000, 5_000]);
    const lines = standIn.logs.lines('g', 'i-0123456789abcdef0');
    expect(lines).toHaveLength(25_000);
    expect(lines[24_999]).toBe('line 24999');
  });

  it('keeps each call within 1 MiB, and cuts a line above the event limit', async () => {
    const b = batcher();
    for (let i = 0; i < 300; i++) b.add(`${i} ${'x'.repeat(10_000)}`);
    b.add('é'.repeat(200_000)); // 400,000 bytes
    await b.close();
    expect(warnings).toEqual([]);
    expect(standIn.logs.putCalls.every((c) => c.bytes <= 1_048_576)).toBe(true);
    expect(standIn.logs.putCalls.length).toBeGreaterThan(2);
    const last = standIn.logs.lines('g', 'i-0123456789abcdef0').at(-1)!;
    expect(Buffer.byteLength(last)).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    expect(last).not.toContain('\uFFFD');
  });

  it('sends lines in time order when the clock steps back', async () => {
    const b = batcher();
    b.add('first', 2_000_000);
    b.add('after a clock step back', 1_000_000);
    await b.close();
    expect(warnings).toEqual([]);
    expect(standIn.logs.lines('g', 'i-0123456789abcdef0')).toEqual(['first', 'after a clock step back']);
  });

  it('says on stdout what it could not send, and goes on', async () => {
    const b = new LogBatcher(client, 'no-such-group', 'i-0123456789abcdef0', (w) => warnings.push(w), 60_000);
    b.add('lost');
    await b.close();
    expect(warnings[0]).toMatch(/1 line\(s\) not sent to no-such-group\/i-0123456789abcdef0: ResourceNotFoundException/);
    expect(standIn.cloudwatch.commandCalls(PutLogEventsCommand)).toHaveLength(0);
  });
});
