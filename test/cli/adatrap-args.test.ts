import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../src/cli/args.js';

describe('main adatrap arguments', () => {
  it('reads --older-than as seconds and --since/--until as milliseconds', () => {
    expect(parseArgs(['adatrap', 'reap', '--older-than', '6h', '--region', 'eu-west-1'])).toMatchObject({ command: 'adatrap', action: 'reap', olderThan: 21_600, region: 'eu-west-1' });
    expect(parseArgs(['adatrap', 'logs', 'i-0abc12345', '--since', '2021-04-22', '--until', '2021-04-22', '--process', 'day'])).toMatchObject({
      action: 'logs',
      since: Date.parse('2021-04-22T00:00:00Z'),
      until: Date.parse('2021-04-23T00:00:00Z'),
      process: 'day',
    });
    expect(parseArgs(['adatrap', 'keypair', 'create'])).toMatchObject({ action: 'keypair-create', name: 'sysadmintoolkit-adatrap' });
  });

  it('refuses a bad duration, a bad time and a bad instance id, naming them', () => {
    expect(() => parseArgs(['adatrap', 'reap', '--older-than', 'soon'])).toThrow(/expected a duration such as 6h, 90m or 2d, got "soon"/);
    expect(() => parseArgs(['adatrap', 'logs', 's', '--since', 'yesterday'])).toThrow(/expected --since to be a day \(YYYY-MM-DD\) or an ISO 8601 time/);
    expect(() => parseArgs(['adatrap', 'stop', 'web-1'])).toThrow(UsageError);
  });

  it('documents where region and keys come from, and hides remote', () => {
    const help = parseArgs(['adatrap', '--help']);
    expect(help.command).toBe('help');
    const text = (help as { text: string }).text;
    expect(text).toContain('--process NAME');
    expect(text).toContain('--region REGION');
    expect(text).not.toContain('remote');
  });
});
