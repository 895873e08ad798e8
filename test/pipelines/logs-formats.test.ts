import { describe, expect, it } from 'vitest';
import { anomalousHours } from '../../src/pipelines/logs/anomalies.js';
import { Drain, mask } from '../../src/pipelines/logs/drain.js';
import { httpFormat } from '../../src/pipelines/logs/formats/http.js';
import { jsonl } from '../../src/pipelines/logs/formats/jsonl.js';
import { groupsOf, regexFormat } from '../../src/pipelines/logs/formats/regex.js';
import { syslog3164 } from '../../src/pipelines/logs/formats/syslog.js';
import { parseAnyTime, parseEpoch } from '../../src/pipelines/logs/timestamps.js';
import { TopK } from '../../src/pipelines/logs/top-k.js';

describe('log formats', () => {
  it('reads Apache common lines, and a combined line as common keeps the rest in extra', () => {
    const common = httpFormat('apache-common');
    expect(common.parse('127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326')).toMatchObject({ client: '127.0.0.1', user: 'frank', time: Date.UTC(2000, 9, 10, 20, 55, 36), status: 200, bytes: 2326, extra: null });
    expect(common.parse('1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.0" 200 1 "-" "curl"')).toMatchObject({ extra: '"-" "curl"' });
  });

  it('rejects an impossible date in a well-formed line with the value', () => {
    expect(httpFormat('nginx-combined').parse('1.2.3.4 - - [32/Foo/2000:13:55:36 +0000] "GET / HTTP/1.0" 200 1 "-" "curl"')).toBe('invalid time "32/Foo/2000:13:55:36 +0000"');
  });

  it('puts an RFC 3164 line of December read in January in the year before, in the configured zone', () => {
    const now = Date.UTC(2027, 0, 2, 6);
    expect(syslog3164('America/New_York', now).parse('Dec 31 23:00:00 h app: x')).toMatchObject({ time: Date.UTC(2027, 0, 1, 4) });
    expect(syslog3164('UTC', now).parse('Jan  2 05:00:00 h app: x')).toMatchObject({ time: Date.UTC(2027, 0, 2, 5) });
  });

  it('puts "Jan  1" read just after New Year in a zone ahead of UTC in the year that has begun there', () => {
    const now = Date.UTC(2026, 11, 31, 12); // 2027-01-01 01:00 in Auckland
    expect(syslog3164('Pacific/Auckland', now).parse('Jan  1 00:30:00 h app: x')).toMatchObject({ time: Date.UTC(2026, 11, 31, 11, 30) });
  });

  it('reads a time in the hour clocks go back as its first occurrence, east and west of UTC', () => {
    const now = Date.UTC(2026, 11, 1);
    expect(syslog3164('Europe/Berlin', now).parse('Oct 25 02:30:00 h app: x')).toMatchObject({ time: Date.UTC(2026, 9, 25, 0, 30) });
    expect(syslog3164('America/New_York', now).parse('Nov  1 01:30:00 h app: x')).toMatchObject({ time: Date.UTC(2026, 10, 1, 5, 30) });
  });

  it('refuses days that do not exist instead of rolling them over', () => {
    expect(httpFormat('nginx-combined').parse('1.2.3.4 - - [31/Feb/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "c"')).toBe('invalid time "31/Feb/2026:10:00:00 +0000"');
    expect(jsonl({ time: ['t'], level: ['l'], message: ['m'] }, 'UTC').parse('{"t":"2026-02-29T00:00:00Z"}')).toBe('invalid time "2026-02-29T00:00:00Z"');
  });

  it('reads syslog messages holding a carriage return or a line separator', () => {
    for (const message of ['has a\rcarriage return', 'line sep \u2028 here', 'ends CR\r']) expect(syslog3164('UTC').parse(`Nov 22 04:00:01 h app[1]: ${message}`)).toMatchObject({ app: 'app', message });
  });

  it('reads a syslog line without a tag as a message with no application', () => {
    expect(syslog3164('UTC').parse('Nov 22 04:00:01 host just some text')).toMatchObject({ host: 'host', app: null, message: 'just some text' });
  });

  it('reads JSON numbers as epoch seconds, milliseconds or nanoseconds by size, and refuses a time it cannot read', () => {
    expect(parseEpoch(1795392000)).toBe(1795392000000);
    expect(parseEpoch(1795392000123)).toBe(1795392000123);
    expect(parseEpoch(1795392000123456789)).toBe(1795392000123);
    const f = jsonl({ time: ['t'], level: ['level'], message: ['msg'] }, 'UTC');
    expect(f.parse('{"t":"yesterday","msg":"x"}')).toBe('invalid time "yesterday"');
    expect(f.parse('{"msg":"no time"}')).toMatchObject({ time: null, message: 'no time' });
    expect(f.parse('{"msg":')).toMatch(/^not JSON: /);
  });

  it('stores named groups of a custom pattern in their columns and the others as data', () => {
    const pattern = '^(?<time>\\S+) (?<level>\\w+) \\[(?<thread>[^\\]]+)\\] (?<message>.*)$';
    expect(groupsOf(pattern)).toEqual({ groups: ['time', 'level', 'thread', 'message'] });
    expect(regexFormat(pattern, 'UTC').parse('2026-11-22T04:00:00Z ERROR [main-1] boom')).toEqual({
      time: Date.UTC(2026, 10, 22, 4), level: 'error', host: null, app: null, client: null, method: null, path: null, status: null, bytes: null, message: 'boom', data: { thread: 'main-1' },
    });
    expect(parseAnyTime('22/Nov/2026:04:00:00 +0100', 'UTC', Date.now())).toBe(Date.UTC(2026, 10, 22, 3));
  });
});

describe('Drain templates', () => {
  it('finds "user <*> logged in from <IP>" with counts and examples', () => {
    const drain = new Drain(0.5, 100);
    for (const [user, ip] of [['alice', '10.0.0.1'], ['bob', '10.0.0.2'], ['carol', '2001:db8::1']]) {
      const m = `user ${user} logged in from ${ip}`;
      drain.add(mask(m).split(' '), m, null);
    }
    drain.add(mask('disk /dev/sda1 is 91% full').split(' '), 'disk /dev/sda1 is 91% full', null);
    const templates = drain.templates();
    expect(templates[0]).toMatchObject({ template: 'user <*> logged in from <IP>', count: 3, examples: ['user alice logged in from 10.0.0.1', 'user bob logged in from 10.0.0.2', 'user carol logged in from 2001:db8::1'] });
    expect(templates).toHaveLength(2);
  });

  it('masks IPv4 and IPv6 addresses and numbers, and does not take a time of day for an address', () => {
    expect(mask('from 10.0.0.1:22 and fe80::1 and 2001:db8:0:0:0:0:0:1 at 12:30:45 took 15 ms')).toBe('from <IP> and <IP> and <IP> at <NUM>:<NUM>:<NUM> took <NUM> ms');
  });

  it('keeps at most max_templates, dropping the least recently seen and counting them', () => {
    const drain = new Drain(0.9, 10);
    for (let i = 0; i < 50; i++) drain.add([`word${String.fromCharCode(97 + (i % 26))}${i}x`, 'alpha', `b${i}`], `m${i}`, null);
    expect(drain.templates().length).toBeLessThanOrEqual(12);
    expect(drain.evicted).toBeGreaterThan(0);
  });
});

describe('anomalous hours', () => {
  it('flags the hour whose error rate is many standard errors above its day, and says by which rule', () => {
    const hours = new Map<number, [number, number]>();
    const day = Date.UTC(2026, 10, 22) / 3_600_000;
    for (let h = 0; h < 24; h++) hours.set(day + h, h === 13 ? [100, 30] : [100, 2]);
    hours.set(day + 30, [5, 5]); // too few entries to judge, on the next day
    const found = anomalousHours(hours, { minEntries: 30, z: 3, timeZone: 'UTC' });
    expect(found.map((a) => a.hour)).toEqual(['2026-11-22T13:00:00.000Z']);
    expect(found[0]!.rule).toMatch(/^error rate 30\.0% \(30 of 100\) against 3\.2% for 2026-11-22 \(UTC\): [\d.]+ standard errors above, threshold 3, hours of 30\+ entries$/);
  });
});

describe('TopK', () => {
  it('is exact while the distinct values fit, and says how far off it may be after', () => {
    const exact = new TopK(10);
    for (const v of ['a', 'b', 'a', 'c', 'a', 'b']) exact.add(v);
    expect(exact.top(2)).toEqual([{ value: 'a', count: 3 }, { value: 'b', count: 2 }]);
    expect(exact.undercount).toBe(0);
    const busy = new TopK(5);
    for (let i = 0; i < 1000; i++) busy.add(i % 3 === 0 ? 'hot' : `cold${i}`);
    expect(busy.top(1)[0]).toEqual({ value: 'hot', count: 334 });
    expect(busy.undercount).toBeGreaterThan(0);
    // A value dropped again and again: the bound covers what it lost each time.
    const one = new TopK(1);
    for (const v of 'AAAXYXZXWX') one.add(v);
    const x = one.top(5).find((t) => t.value === 'X')?.count ?? 0;
    expect(x + one.undercount).toBeGreaterThanOrEqual(4);
  });
});
