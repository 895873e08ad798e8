import { describe, expect, it } from 'vitest';
import { syslog3164, syslog5424 } from '../../src/pipelines/logs/formats/syslog.js';

const bsd = syslog3164('UTC', Date.UTC(2026, 11, 31));
const ietf = syslog5424('UTC');

describe('RFC 3164 headers, read as rsyslog and syslog-ng read them', () => {
  it('takes no hostname when the word after the time holds a character no hostname has: haproxy writes none', () => {
    expect(bsd.parse('<133>Jan 13 16:33:35 haproxy[73411]: Proxy sticky-servers started.')).toMatchObject({ facility: 16, severity: 5, host: null, app: 'haproxy', pid: '73411', message: 'Proxy sticky-servers started.' });
    expect(bsd.parse('Jun 13 16:33:35 sshd: I am missing a pri.')).toMatchObject({ host: null, app: 'sshd', pid: null, message: 'I am missing a pri.' });
  });

  it('takes no hostname and no application from syslogd\'s "last message repeated" lines', () => {
    expect(bsd.parse('Apr 4 03:39:57 --- last message repeated 1 time ---')).toMatchObject({ host: null, app: null, pid: null, message: '--- last message repeated 1 time ---' });
    expect(bsd.parse('Apr  4 03:39:57 last message repeated 3 times')).toMatchObject({ host: null, app: null, message: 'last message repeated 3 times' });
    expect(bsd.parse('Nov 21 23:07:33 elfie last message repeated 2 times')).toMatchObject({ host: 'elfie', app: null, message: 'last message repeated 2 times' });
  });

  it('ends the tag at its colon even when no space follows it', () => {
    expect(bsd.parse('<13>Feb 13 20:07:26 74794bfb6795 root[8539]:syslog message')).toMatchObject({ host: '74794bfb6795', app: 'root', pid: '8539', message: 'syslog message' });
    expect(bsd.parse('Feb 13 20:07:26 h kernel:')).toMatchObject({ app: 'kernel', message: '' });
  });

  it('keeps "CEF:0|…" and a first word without a colon in the message, and reads launchd\'s "name[pid] (…)" as a tag', () => {
    expect(bsd.parse('<14>May  5 14:55:43 PA-5260 CEF:0|Palo Alto Networks|PAN-OS|11.1.0|deny|TRAFFIC|1|src=10.0.0.1')).toMatchObject({ host: 'PA-5260', app: null, message: 'CEF:0|Palo Alto Networks|PAN-OS|11.1.0|deny|TRAFFIC|1|src=10.0.0.1' });
    expect(bsd.parse('Nov 22 04:00:01 host just some text')).toMatchObject({ host: 'host', app: null, message: 'just some text' });
    expect(bsd.parse('Dec 13 11:42:55 a-mac com.apple.xpc.launchd[1] (com.apple.quicklook[21556]): Endpoint has been activated')).toMatchObject({ host: 'a-mac', app: 'com.apple.xpc.launchd', pid: '1', message: '(com.apple.quicklook[21556]): Endpoint has been activated' });
  });

  it('takes an IPv4 or IPv6 address for a hostname, and skips the extra spaces after the time', () => {
    expect(bsd.parse('Nov 22 04:00:01 192.0.2.7 sshd[1]: x')).toMatchObject({ host: '192.0.2.7', app: 'sshd', pid: '1' });
    expect(bsd.parse('Nov 22 04:00:01 2001:db8::7 sshd[1]: x')).toMatchObject({ host: '2001:db8::7', app: 'sshd', pid: '1' });
    expect(bsd.parse('Apr 21 17:13:29  sshd[3613]: last message repeated 2 times')).toMatchObject({ host: null, app: 'sshd', pid: '3613', message: 'last message repeated 2 times' });
  });

  it('reads a line that is a time and a host only, and still refuses a line without a time', () => {
    expect(bsd.parse('Nov 22 04:00:01 web1')).toMatchObject({ host: 'web1', app: null, message: '' });
    expect(bsd.parse('hello Nov 22 04:00:01 web1')).toBe('not syslog-rfc3164: expected an optional <PRI>, then a time ("Nov 23 04:00:01" or RFC 3339) and a space');
  });
});

describe('RFC 5424 VERSION', () => {
  it('reads versions 1 to 999 and refuses 0 and 1000', () => {
    expect(ietf.parse('<1>100 - host-name - - - -')).toMatchObject({ facility: 0, severity: 1, time: null, host: 'host-name', app: null, pid: null, msgid: null, structured_data: null, message: null });
    expect(ietf.parse('<191>999 2018-12-31T23:59:59.999999-23:59 h a p m -')).toMatchObject({ facility: 23, severity: 7, host: 'h', app: 'a', pid: 'p', msgid: 'm' });
    expect(ietf.parse('<103>0 2018-11-22T00:00:00Z - - - - -')).toMatch(/^not syslog-rfc5424/);
    expect(ietf.parse('<101>1000 2018-11-22T00:00:00Z - - - - -')).toMatch(/^not syslog-rfc5424/);
  });
});
