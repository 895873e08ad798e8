import { readFileSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { CreateKeyPairCommand } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AdatrapArgs } from '../../src/cli/adatrap-args.js';
import { adatrapCommand } from '../../src/cli/adatrap-command.js';
import { parseArgs } from '../../src/cli/args.js';
import type { Output } from '../../src/cli/output.js';
import { EVENT_MS, waitFor, Workspace } from '../helpers/cli.js';
import { Ec2StandIn } from '../helpers/ec2-standin.js';

// The commands run in this process against the EC2 and CloudWatch Logs stand-in (its mocks live here).
let standIn: Ec2StandIn;
let ws: Workspace;
beforeEach(async () => {
  standIn = await Ec2StandIn.start();
  ws = new Workspace();
});
afterEach(async () => {
  await standIn.close();
  ws.remove();
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const output: Output = { out: (t) => void out.push(t), err: (l) => void err.push(l), color: false };
  return { output, out: () => out.join(''), err: () => err.join('\n') };
}

const run = (argv: string[], output: Output, deps = {}) => adatrapCommand(parseArgs(['adatrap', ...argv]) as AdatrapArgs, output, { pollMs: 20, ...deps });
const HOUR = 3600_000;
const ours = (process: string, day: string) => ({ 'sysadmintoolkit:process': process, 'sysadmintoolkit:date': day, 'sysadmintoolkit:run': 'r1' });

describe('main adatrap reap, instances, stop', () => {
  it('reap terminates an old instance of ours and leaves the young, the foreign and the ended alone', async () => {
    const old = standIn.addInstance({ launchTime: new Date(Date.now() - 7 * HOUR), tags: ours('day', '2021-04-22') });
    const young = standIn.addInstance({ launchTime: new Date(Date.now() - HOUR), tags: ours('day', '2021-04-23') });
    const foreign = standIn.addInstance({ launchTime: new Date(Date.now() - 30 * HOUR), tags: { Name: 'web' } });
    const ended = standIn.addInstance({ state: 'terminated', launchTime: new Date(Date.now() - 9 * HOUR), tags: ours('day', '2021-04-20') });
    const stoppedOld = standIn.addInstance({ state: 'stopped', launchTime: new Date(Date.now() - 8 * HOUR), tags: ours('day', '2021-04-21') });
    const o = io();
    expect(await run(['reap', '--older-than', '6h', '--region', 'us-east-1'], o.output)).toBe(0);
    const state = (id: string) => standIn.instances.get(id)!.state;
    expect([state(old), state(stoppedOld)]).toEqual(['terminated', 'terminated']);
    expect([state(young), state(foreign), state(ended)]).toEqual(['running', 'running', 'terminated']);
    expect(o.out()).toContain(`Terminated ${old} (process day, day 2021-04-22`);
    expect(o.out()).not.toContain(foreign);
  });

  it('reap --dry-run terminates nothing', async () => {
    const old = standIn.addInstance({ launchTime: new Date(Date.now() - 7 * HOUR), tags: ours('day', '2021-04-22') });
    const o = io();
    expect(await run(['reap', '--older-than', '6h', '--dry-run', '--region', 'us-east-1'], o.output)).toBe(0);
    expect(o.out()).toContain(`Would terminate ${old}`);
    expect(standIn.instances.get(old)!.state).toBe('running');
  });

  it('instances lists ours, page after page; --all adds the terminated ones', async () => {
    const live = [1, 2, 3].map((d) => standIn.addInstance({ tags: ours('day', `2021-04-0${d}`) }));
    const ended = standIn.addInstance({ state: 'terminated', tags: ours('day', '2021-04-09') });
    const foreign = standIn.addInstance({ tags: { Name: 'web' } });
    const o = io();
    expect(await run(['instances', '--region', 'us-east-1', '--json'], o.output)).toBe(0);
    expect((JSON.parse(o.out()) as Array<{ id: string }>).map((i) => i.id).sort()).toEqual([...live].sort());
    const all = io();
    await run(['instances', '--all', '--region', 'us-east-1'], all.output);
    expect(all.out()).toContain(ended);
    expect(all.out()).not.toContain(foreign);
  });

  it('stop terminates ours and refuses an instance this product did not launch', async () => {
    const mine = standIn.addInstance({ tags: ours('day', '2021-04-22') });
    const foreign = standIn.addInstance({ tags: { Name: 'web' } });
    expect(await run(['stop', mine, '--region', 'us-east-1'], io().output)).toBe(0);
    expect(standIn.instances.get(mine)!.state).toBe('terminated');
    await expect(run(['stop', foreign, '--region', 'us-east-1'], io().output)).rejects.toThrow(`instance ${foreign} was not launched by this product`);
    expect(standIn.instances.get(foreign)!.state).toBe('running');
  });

  it('says where the region comes from when neither --process nor --region is given', async () => {
    await expect(run(['instances'], io().output)).rejects.toThrow(/--process NAME .* or --region REGION/);
  });
});

describe('main adatrap keypair create', () => {
  it('writes the private key 0600 and refuses to overwrite an existing file', async () => {
    const file = ws.path('k.pem');
    expect(await run(['keypair', 'create', 'k1', '-o', file, '--region', 'us-east-1'], io().output)).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('BEGIN RSA PRIVATE KEY');
    const before = readFileSync(file, 'utf8');
    await expect(run(['keypair', 'create', 'k2', '-o', file, '--region', 'us-east-1'], io().output)).rejects.toThrow(/exists already; it is not overwritten/);
    expect(readFileSync(file, 'utf8')).toBe(before);
    // Refused before asking EC2: no key pair k2 was made.
    expect(standIn.ec2.commandCalls(CreateKeyPairCommand)).toHaveLength(1);
  });

  it('says so when the key pair name exists, and leaves no file', async () => {
    standIn.keyPairs.add('taken');
    const file = ws.path('taken.pem');
    await expect(run(['keypair', 'create', 'taken', '-o', file, '--region', 'us-east-1'], io().output)).rejects.toThrow('the key pair "taken" exists already in EC2');
    expect(existsSync(file)).toBe(false);
  });
});

describe('main adatrap logs', () => {
  const base = Date.parse('2021-04-22T10:00:00.000Z');
  beforeEach(() => {
    standIn.logs.createGroup('g');
    standIn.logs.createStream('g', 'i-0123456789abcdef0');
    // 23 lines 250 ms apart: four to a second, which a reader in seconds would muddle.
    standIn.logs.put('g', 'i-0123456789abcdef0', Array.from({ length: 23 }, (_, i) => ({ timestamp: base + i * 250, message: `line ${i}` })));
  });

  it('reads every page between --since and --until, in milliseconds', async () => {
    const o = io();
    await run(['logs', 'i-0123456789abcdef0', '--log-group', 'g', '--since', '2021-04-22T10:00:01.250Z', '--until', '2021-04-22T10:00:04.500Z', '--region', 'us-east-1'], o.output);
    const lines = o.out().trimEnd().split('\n');
    // 1.250 s (line 5, inclusive) to 4.500 s (line 18, exclusive): 13 lines, over pages of 5.
    expect(lines).toHaveLength(13);
    expect(lines[0]).toBe('2021-04-22T10:00:01.250Z line 5');
    expect(lines.at(-1)).toBe('2021-04-22T10:00:04.250Z line 17');
  });

  it('writes them to a new file with -o, and refuses an existing one', async () => {
    const file = ws.path('out.log');
    const o = io();
    await run(['logs', 'i-0123456789abcdef0', '--log-group', 'g', '--since', '2021-04-22', '-o', file, '--region', 'us-east-1'], o.output);
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(23);
    expect(o.err()).toContain('23 line(s)');
    writeFileSync(file, 'mine\n');
    await expect(run(['logs', 'i-0123456789abcdef0', '--log-group', 'g', '--since', '2021-04-22', '-o', file, '--region', 'us-east-1'], io().output)).rejects.toThrow('exists already');
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
  });

  it('--follow goes on reading lines that come later, until stopped', async () => {
    const o = io();
    const stop = new AbortController();
    const following = run(['logs', 'i-0123456789abcdef0', '--log-group', 'g', '--since', '2021-04-22', '--follow', '--region', 'us-east-1'], o.output, { signal: stop.signal });
    await waitFor(() => o.out().includes('line 22'), EVENT_MS, 'the first lines');
    standIn.logs.put('g', 'i-0123456789abcdef0', [{ timestamp: base + 60_000, message: 'late line' }]);
    await waitFor(() => o.out().includes('late line'), EVENT_MS, 'the late line');
    stop.abort();
    expect(await following).toBe(0);
    expect(o.out().match(/line 0\n/g)).toHaveLength(1);
  });
});
