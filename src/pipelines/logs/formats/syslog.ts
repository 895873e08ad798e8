import { parseBsdTime, parseIsoTime } from '../timestamps.js';
import type { Entry, LineFormat } from './entry.js';
import { readHeader } from './syslog-header.js';

export const SYSLOG_FIELDS = ['facility', 'severity', 'host', 'app', 'pid', 'msgid', 'structured_data', 'message'] as const;

// RFC 3164 as files hold it: an optional <PRI>, then "Nov 23 04:00:01" or the RFC 3339 time rsyslog writes
// by default on Debian 12, then, after one or more spaces (syslog-ng skips them all), the host and the tag,
// either of which may be missing (syslog-header.ts), and the message.
const BSD = /^(?:<(\d{1,3})>)?(?:([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})|(\d{4}-\d{2}-\d{2}T\S+))(?: +(.*))?$/s;

export function syslog3164(timeZone: string, now = Date.now()): LineFormat {
  return {
    name: 'syslog-rfc3164',
    family: 'syslog',
    fields: SYSLOG_FIELDS,
    multiline: true,
    parse(line) {
      const m = BSD.exec(line);
      if (!m) return 'not syslog-rfc3164: expected an optional <PRI>, then a time ("Nov 23 04:00:01" or RFC 3339) and a space';
      const pri = m[1] === undefined ? undefined : Number(m[1]);
      if (pri !== undefined && pri > 191) return `not syslog-rfc3164: priority <${pri}> is above 191`;
      const time = m[2] ? parseBsdTime(m[2], Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), timeZone, now) : parseIsoTime(m[7]!, timeZone);
      if (time === undefined) return `invalid time "${m[2] ? `${m[2]} ${m[3]} ${m[4]}:${m[5]}:${m[6]}` : m[7]}"`;
      const header = readHeader(m[8] ?? '');
      const entry: Entry = {
        time,
        facility: pri === undefined ? null : pri >> 3,
        severity: pri === undefined ? null : pri & 7,
        host: header.host,
        app: header.app,
        pid: header.pid,
        msgid: null,
        structured_data: null,
        message: header.message,
      };
      return entry;
    },
  };
}

// <PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]; "-" is the nil value. VERSION is
// NONZERO-DIGIT 0*2DIGIT, 1 to 999 (RFC 5424 §6).
const RFC5424 = /^<(\d{1,3})>([1-9]\d{0,2}) (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]\\"]|\\.|"(?:[^"\\]|\\.)*")*\])+)(?: (.*))?$/s;

export function syslog5424(timeZone: string): LineFormat {
  return {
    name: 'syslog-rfc5424',
    family: 'syslog',
    fields: SYSLOG_FIELDS,
    multiline: true,
    parse(line) {
      const m = RFC5424.exec(line);
      if (!m) return 'not syslog-rfc5424: expected <PRI>VERSION TIMESTAMP HOST APP PROCID MSGID STRUCTURED-DATA MSG';
      const pri = Number(m[1]);
      if (pri > 191) return `not syslog-rfc5424: priority <${pri}> is above 191`;
      let time: number | null = null;
      if (m[3] !== '-') {
        const parsed = parseIsoTime(m[3]!, timeZone);
        if (parsed === undefined) return `invalid time "${m[3]}"`;
        time = parsed;
      }
      const nil = (v: string) => (v === '-' ? null : v);
      const entry: Entry = {
        time,
        facility: pri >> 3,
        severity: pri & 7,
        host: nil(m[4]!),
        app: nil(m[5]!),
        pid: nil(m[6]!),
        msgid: nil(m[7]!),
        structured_data: nil(m[8]!),
        // A UTF-8 message may start with a BOM (RFC 5424 §6.4).
        message: m[9] === undefined ? null : m[9].replace(/^\uFEFF/, ''),
      };
      return entry;
    },
  };
}
