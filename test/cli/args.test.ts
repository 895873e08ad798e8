import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../src/cli/args.js';

describe('parsing the command line', () => {
  it('gives the defaults of DESIGN.md when nothing is said', () => {
    expect(parseArgs([])).toEqual({
      command: 'run',
      config: './config',
      validateOnly: false,
      maxParallel: availableParallelism(),
      json: false,
      state: './data/state.db',
      logDir: './data/logs',
      verbose: false,
      only: undefined,
    });
  });

  it('reads every run option, short and long', () => {
    expect(parseArgs(['-c', 'etc/sat', '--validate-only', '--only', 'a', 'b,c', '-p', '3', '--date', '2026-11-22', '--report', 'r.json', '--json', '--state', 's.db', '--log-dir', 'logs', '-v'])).toEqual({
      command: 'run',
      config: 'etc/sat',
      validateOnly: true,
      only: ['a', 'b', 'c'],
      maxParallel: 3,
      date: '2026-11-22',
      report: 'r.json',
      json: true,
      state: 's.db',
      logDir: 'logs',
      verbose: true,
    });
  });

  it('reads the history and schema commands', () => {
    expect(parseArgs(['history', '-n', '3', '--json'])).toEqual({ command: 'history', limit: 3, state: './data/state.db', json: true });
    expect(parseArgs(['schema'])).toEqual({ command: 'schema' });
  });

  it('returns help and version text instead of exiting', () => {
    expect(parseArgs(['--help'])).toMatchObject({ command: 'help', text: expect.stringContaining('--validate-only') });
    expect(parseArgs(['--version'])).toEqual({ command: 'help', text: '0.1.0\n' });
  });

  it.each([
    [['-p', '0'], 'expected --max-parallel to be a whole number from 1 to 1024, got "0"'],
    [['--date', '2026-02-30'], 'expected --date to be a day as YYYY-MM-DD, got "2026-02-30"'],
    [['--date', '23/11/2026'], 'expected --date to be a day as YYYY-MM-DD, got "23/11/2026"'],
    [['--bogus'], "unknown option '--bogus'"],
    [['bogus'], 'unexpected argument; commands are: schema, history, schedule, logs (see main --help)'],
    [['history', '-n', 'x'], 'expected -n to be a whole number from 1 to 100000, got "x"'],
  ])('rejects %j with a usage error saying what was expected', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
