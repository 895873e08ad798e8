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
      attempts: 3,
      backoff: 30,
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
      attempts: 3,
      backoff: 30,
    });
  });

  it('reads the distributed mode: --queue on main, schedule and logs serve, worker and queue status', () => {
    expect(parseArgs(['--queue', 'redis://q:6379/2', '--attempts', '5', '--backoff', '10'])).toMatchObject({ command: 'run', queue: 'redis://q:6379/2', attempts: 5, backoff: 10 });
    expect(parseArgs(['schedule', '--queue', 'rediss://q'])).toMatchObject({ command: 'schedule', queue: 'rediss://q', attempts: 3, backoff: 30 });
    expect(parseArgs(['logs', 'serve', '--port', '0', '--inbox', 'in', '--process', 'p', '--queue', 'redis://q'])).toMatchObject({ command: 'logs-serve', queue: 'redis://q' });
    expect(parseArgs(['worker', '--queue', 'redis://q'])).toEqual({
      command: 'worker',
      queue: 'redis://q',
      concurrency: availableParallelism(),
      config: './config',
      state: './data/state.db',
      logDir: './data/logs',
      grace: 60,
      stalledAfter: 30,
      verbose: false,
    });
    expect(parseArgs(['queue', 'status', '--queue', 'redis://q', '--json'])).toEqual({ command: 'queue-status', queue: 'redis://q', json: true });
    expect(() => parseArgs(['worker'])).toThrow(/required option '--queue <url>' not specified/);
    expect(() => parseArgs(['--queue', 'redis://q/x'])).toThrow(/expected the database in --queue to be a number \(redis:\/\/host:6379\/0\), got "x"/);
    expect(() => parseArgs(['--queue', 'q:6379'])).toThrow(/expected --queue to be a redis:\/\/ or rediss:\/\/ URL/);
    // A mistyped URL still holds the real password: it is never repeated.
    for (const bad of ['redis://:hunter2@127.0.0.1:99999', 'redis://u:hunter2@h/x', 'redis://u:hunter2@h ost', 'redis://:hun/ter2@h/x', 'redis://u:hun@ter2@h/x', 'redis://:hun ter2/x@h']) {
      expect(() => parseArgs(['--queue', bad])).toThrow(UsageError);
      try {
        parseArgs(['--queue', bad]);
      } catch (error) {
        expect((error as Error).message).not.toMatch(/hun.?ter2|ter2/);
      }
    }
    expect(() => parseArgs(['--queue', 'redis://q', 'schedule'])).toThrow('--queue goes after the command: main schedule --queue URL');
    expect(() => parseArgs(['--queue', 'redis://q', 'history'])).toThrow('main history takes no --queue');
  });

  it('reads the history and schema commands', () => {
    expect(parseArgs(['history', '-n', '3', '--json'])).toEqual({ command: 'history', limit: 3, state: './data/state.db', json: true });
    expect(parseArgs(['schema'])).toEqual({ command: 'schema' });
  });

  it('reads the health command: the default state store and a heartbeat at most 60 s old', () => {
    expect(parseArgs(['health'])).toEqual({ command: 'health', state: './data/state.db', maxAge: 60 });
    expect(parseArgs(['health', '--state', '/app/data/state.db', '--max-age', '90'])).toEqual({ command: 'health', state: '/app/data/state.db', maxAge: 90 });
  });

  it('returns help and version text instead of exiting', () => {
    expect(parseArgs(['--help'])).toMatchObject({ command: 'help', text: expect.stringContaining('--validate-only') });
    expect(parseArgs(['--version'])).toEqual({ command: 'help', text: '0.1.0\n' });
  });

  it.each([
    [['-p', '0'], 'expected --max-parallel to be a whole number from 1 to 1024, got "0"'],
    [['--date', '2026-02-30'], 'expected --date to be a day as YYYY-MM-DD, got "2026-02-30"'],
    [['--date', '23/11/2026'], 'expected --date to be a day as YYYY-MM-DD, got "23/11/2026"'],
    [['--from', '2021-04-01'], '--from needs --to: main --from 2021-04-01 --to 2021-04-30'],
    [['--to', '2021-04-01'], '--to needs --from'],
    [['--from', '2021-04-02', '--to', '2021-04-01'], 'expected --from to be on or before --to, got --from 2021-04-02 --to 2021-04-01'],
    [['--from', '2021-04-01', '--to', '2021-04-02', '--date', '2021-04-01'], '--date and --from/--to cannot go together'],
    [['--from', '2020-01-01', '--to', '2021-01-01'], '--from 2020-01-01 --to 2021-01-01 is 367 days; at most 366 at once'],
    [['--from', '2021-02-29', '--to', '2021-03-01'], 'expected --from to be a day as YYYY-MM-DD, got "2021-02-29"'],
    [['--bogus'], "unknown option '--bogus'"],
    [['bogus'], 'unexpected argument; commands are: schema, history, logs-of, schedule, next, prune, worker, queue, health, logs, adatrap, restore, check, serve (see main --help)'],
    [['health', '--max-age', '0'], 'expected --max-age to be a whole number from 1 to 86400, got "0"'],
    [['health', '--max-age', '1.5'], 'expected --max-age to be a whole number from 1 to 86400, got "1.5"'],
    [['health', '--config', 'config'], "unknown option '--config'"],
    [['history', '-n', 'x'], 'expected -n to be a whole number from 1 to 100000, got "x"'],
    // Naming nothing would otherwise run every process.
    [['--only', ''], 'expected --only to name at least one process, got ""'],
    [['--only', ' , '], 'expected --only to name at least one process, got " , "'],
  ])('rejects %j with a usage error saying what was expected', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('durations on the command line', () => {
  it('take units wherever a flag takes seconds, and plain seconds still', () => {
    expect(parseArgs(['schedule', '--grace', '2m'])).toMatchObject({ grace: 120 });
    expect(parseArgs(['--queue', 'redis://q', '--backoff', '1h'])).toMatchObject({ backoff: 3600 });
    expect(parseArgs(['worker', '--queue', 'redis://q', '--grace', '90', '--stalled-after', '1m'])).toMatchObject({ grace: 90, stalledAfter: 60 });
    expect(parseArgs(['health', '--max-age', '2h30m'])).toMatchObject({ maxAge: 9000 });
    expect(parseArgs(['logs', 'serve', '--port', '0', '--inbox', 'i', '--process', 'p', '--header-timeout', '1.5s', '--idle-timeout', '1m'])).toMatchObject({ headerTimeout: 1.5, idleTimeout: 60 });
    expect(parseArgs(['logs', 'send', 'a', '--host', 'h', '--port', '1', '--timeout', '2m'])).toMatchObject({ timeout: 120 });
    expect(parseArgs(['adatrap', 'reap', '--older-than', '1d12h'])).toMatchObject({ olderThan: 129_600 });
  });

  it('refuses a duration that is none, or out of range, naming the flag', () => {
    expect(() => parseArgs(['schedule', '--grace', '2 minutes'])).toThrow('expected --grace to be a whole number from 0 to 86400, got "2 minutes" (seconds; or a duration such as "30s", "5m", "1h" or "2h30m")');
    expect(() => parseArgs(['schedule', '--grace', '2d'])).toThrow('expected --grace to be a whole number from 0 to 86400, got "2d"');
    expect(() => parseArgs(['logs', 'serve', '--port', '0', '--inbox', 'i', '--process', 'p', '--idle-timeout', '0s'])).toThrow('expected --idle-timeout to be a number of seconds above 0 and at most 86400, got "0s" (or a duration such as');
  });
});
