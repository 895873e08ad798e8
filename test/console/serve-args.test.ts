import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../src/cli/args.js';

describe('main serve on the command line', () => {
  it('listens on 127.0.0.1:8080 and reads ./data by default', () => {
    expect(parseArgs(['serve'])).toEqual({ command: 'serve', host: '127.0.0.1', port: 8080, tokenFile: undefined, state: './data/state.db', logDir: './data/logs', scanDb: './data/scan.db', config: './config', timezone: Intl.DateTimeFormat().resolvedOptions().timeZone });
  });

  it('takes every flag', () => {
    expect(parseArgs(['serve', '--host', '::', '--port', '0', '--token-file', 't', '--state', 's.db', '--log-dir', 'l', '--scan-db', 'x.db', '-c', 'jobs', '--timezone', 'Europe/Madrid'])).toEqual({ command: 'serve', host: '::', port: 0, tokenFile: 't', state: 's.db', logDir: 'l', scanDb: 'x.db', config: 'jobs', timezone: 'Europe/Madrid' });
  });

  it('refuses a port that is none, naming the flag and the value', () => {
    expect(() => parseArgs(['serve', '--port', '70000'])).toThrow(UsageError);
    expect(() => parseArgs(['serve', '--port', 'http'])).toThrow(`option '--port <port>' argument 'http' is invalid. expected --port to be a whole number from 0 to 65535, got "http"`);
    expect(() => parseArgs(['serve', '--token', 'x'])).toThrow("unknown option '--token'");
    expect(() => parseArgs(['serve', '--timezone', 'Mars/Olympus'])).toThrow('expected --timezone to be an IANA time zone such as "Europe/Madrid", got "Mars/Olympus"');
  });
});
