import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args.js';
import { ProgressBar } from '../../src/transfer/progress.js';
import { checkName, FrameDecoder, jsonFrame, parseHeader, ProtocolError } from '../../src/transfer/protocol.js';
import { tokenChecker } from '../../src/transfer/token.js';

const SHA = 'a'.repeat(64);
const header = (extra: Record<string, unknown> = {}) => Buffer.from(JSON.stringify({ v: 1, token: 't', name: 'access.log', size: 3, sha256: SHA, ...extra }));

function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProtocolError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('the frame decoder', () => {
  it('finds the same frames however the bytes are cut', () => {
    const stream = Buffer.concat([jsonFrame({ a: 1 }), Buffer.from([0, 0, 0, 3]), Buffer.from('xyz'), Buffer.alloc(4)]);
    for (let cut = 1; cut <= stream.length; cut++) {
      const frames: string[] = [];
      let current: Buffer[] = [];
      const decoder = new FrameDecoder({ start: () => (current = []), data: (b) => void current.push(Buffer.from(b)), end: () => void frames.push(Buffer.concat(current).toString()) });
      for (let i = 0; i < stream.length; i += cut) decoder.push(stream.subarray(i, i + cut));
      expect(frames).toEqual(['{"a":1}', 'xyz', '']);
    }
  });

  it('holds what follows a frame when asked to, until resume()', () => {
    const frames: string[] = [];
    let hold = true;
    const decoder = new FrameDecoder({ start: () => undefined, data: (b) => void frames.push(b.toString()), end: () => hold });
    decoder.push(Buffer.concat([jsonFrame('first'), jsonFrame('second')]));
    expect(frames).toEqual(['"first"']);
    expect(decoder.holding).toBe(true);
    hold = false;
    decoder.resume();
    expect(frames).toEqual(['"first"', '"second"']);
  });
});

describe('parsing a header', () => {
  it('accepts a complete header and lowercases the digest', () => {
    expect(parseHeader(header({ sha256: SHA.toUpperCase() }))).toEqual({ v: 1, token: 't', name: 'access.log', size: 3, sha256: SHA });
  });

  it.each([
    [Buffer.from('not json'), 'expected the header to be a JSON object, got not JSON'],
    [Buffer.from([0xff, 0xfe, 0x7b]), 'expected the header to be a JSON object, got not valid UTF-8'],
    [Buffer.from('[1]'), 'expected the header to be a JSON object, got an array'],
    [header({ extra: 1 }), 'unknown key "extra" in the header; expected v, token, name, size, sha256'],
    [header({ v: 2 }), 'expected "v" to be 1 (the protocol version), got 2'],
    [header({ size: -1 }), 'expected "size" to be a whole number of bytes, got -1'],
    [header({ size: 1.5 }), 'expected "size" to be a whole number of bytes, got 1.5'],
    [header({ sha256: 'abc' }), 'expected "sha256" to be 64 hexadecimal digits, got "abc"'],
    [header({ name: 7 }), 'expected "name" to be a string, got 7'],
    [header({ token: 12345678 }), 'expected "token" to be a string, got a number'],
  ])('refuses %s with E_BAD_HEADER: %s', (bytes, message) => {
    expect(refusal(() => parseHeader(bytes))).toEqual({ code: 'E_BAD_HEADER', message });
  });
});

describe('file names', () => {
  it.each(['access.log', 'access.log.1.gz', 'app-2026-11-23.log', 'journal élève.log', 'x'.repeat(242)])('accepts %j', (name) => {
    expect(checkName(name)).toBeUndefined();
  });

  it.each([
    ['', 'it is empty'],
    ['.', 'it is not a file name'],
    ['..', 'it is not a file name'],
    ['../../etc/passwd', 'a name may not hold "/" or "\\" (a plain file name only, no folders)'],
    ['..\\boot.ini', 'a name may not hold "/" or "\\" (a plain file name only, no folders)'],
    ['a\u0000b', 'it holds control characters'],
    ['line\nbreak.log', 'it holds control characters'],
    ['evil\u202egol.exe', 'it holds control characters'],
    ['.hidden', 'a name may not start with "."'],
    ['access[1].log', 'a name may not hold * ? [ ] { } ( ), which are wildcards to the logs process'],
    ['x'.repeat(243), 'it is longer than 242 bytes'],
    ['é'.repeat(122), 'it is longer than 242 bytes'],
  ])('refuses %j: %s', (name, why) => {
    expect(checkName(name)).toBe(`refused the name ${JSON.stringify(name.length > 300 ? `${name.slice(0, 300)}…` : name)}: ${why}`);
  });
});

describe('the token', () => {
  it('matches only itself, whatever the length of the candidate', () => {
    const check = tokenChecker('s3cret-token');
    expect(check('s3cret-token')).toBe(true);
    expect(check('s3cret-toke')).toBe(false);
    expect(check('s3cret-token\n')).toBe(false);
    expect(check('')).toBe(false);
  });
});

describe('the command line of logs serve and logs send', () => {
  it('gives serve its defaults', () => {
    expect(parseArgs(['logs', 'serve', '--port', '0', '--inbox', 'in', '--process', 'web'])).toEqual({
      command: 'logs-serve',
      port: 0,
      host: '127.0.0.1',
      inbox: 'in',
      process: 'web',
      config: './config',
      maxBytes: 10 * 1024 ** 3,
      maxConnections: 64,
      maxParallel: 2,
      headerTimeout: 10,
      idleTimeout: 30,
      state: './data/state.db',
      logDir: './data/logs',
      verbose: false,
      attempts: 3,
      backoff: 30,
    });
  });

  it('reads --max-bytes with K, M, G and T as powers of 1024', () => {
    const maxBytes = (value: string) => (parseArgs(['logs', 'serve', '--port', '1', '--inbox', 'i', '--process', 'p', '--max-bytes', value]) as { maxBytes: number }).maxBytes;
    expect([maxBytes('500M'), maxBytes('2G'), maxBytes('1.5K'), maxBytes('64KiB'), maxBytes('1048576'), maxBytes('1t')]).toEqual([500 * 1024 ** 2, 2 * 1024 ** 3, 1536, 65536, 1048576, 1024 ** 4]);
    expect(() => maxBytes('lots')).toThrow('expected --max-bytes to be a size such as 500M or 2G, got "lots"');
    expect(() => maxBytes('0')).toThrow('expected --max-bytes to be a size such as 500M or 2G, got "0"');
  });

  it('gives send its defaults and takes several files', () => {
    expect(parseArgs(['logs', 'send', 'a.log', 'b.log', '--host', 'h', '--port', '9000'])).toEqual({ command: 'logs-send', files: ['a.log', 'b.log'], host: 'h', port: 9000, tls: false, retries: 5, timeout: 30, verbose: false });
    expect(parseArgs(['logs', 'send', 'a.log', '--host', 'h', '--port', '9000', '--tls', '--ca', 'ca.pem', '--retries', '1', '--timeout', '0.5', '--token-file', 't'])).toMatchObject({ tls: true, ca: 'ca.pem', retries: 1, timeout: 0.5, tokenFile: 't' });
  });

  it.each([
    [['logs', 'send', 'a.log', '--host', 'h'], "required option '--port <port>' not specified"],
    [['logs', 'send', '--host', 'h', '--port', '1'], "missing required argument 'file'"],
    [['logs', 'send', 'a', '--host', 'h', '--port', '0'], 'expected --port to be a whole number from 1 to 65535, got "0"'],
    [['logs', 'serve', '--port', '1', '--inbox', 'i', '--process', 'p', '--idle-timeout', '0'], 'expected --idle-timeout to be a number of seconds above 0 and at most 86400, got "0"'],
    [['logs'], 'a command is missing'],
  ])('refuses %j as a usage error: %s', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('the progress bar', () => {
  it('draws name, bar, percent, megabytes and rate on one line, and nothing off a terminal', () => {
    let drawn = '';
    const bar = new ProgressBar({ write: (t: string) => (drawn += t), columns: 100 }, 'access.log');
    bar.update(50e6, 100e6);
    expect(drawn).toBe('\raccess.log [####################--------------------]  50% 50.0/100.0 MB \x1b[K');
    drawn = '';
    bar.update(100e6, 100e6);
    expect(drawn).toMatch(/^\raccess\.log \[#{40}\] 100% 100\.0\/100\.0 MB [\d.]+ MB\/s\x1b\[K$/);
    bar.finish();
    expect(drawn.endsWith('\r\x1b[K')).toBe(true);
    const quiet = new ProgressBar(undefined, 'a.log');
    expect(() => (quiet.update(1, 2), quiet.finish())).not.toThrow();
  });
});
