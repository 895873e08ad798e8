import { parseClfTime } from '../timestamps.js';
import { unescapeQuoted, type Entry, type LineFormat } from './entry.js';

const QUOTED = '"((?:[^"\\\\]|\\\\.)*)"';
// %h %l %u %t "%r" %>s %b, then (combined) "%{Referer}i" "%{User-agent}i", then anything a custom format appends.
const COMMON = `^(\\S+) (\\S+) (\\S+) \\[([^\\]]+)\\] ${QUOTED} (\\d{3}) (\\d+|-)`;
const COMBINED = new RegExp(`${COMMON} ${QUOTED} ${QUOTED}(?: (.*))?$`, 's');
const COMMON_ONLY = new RegExp(`${COMMON}(?: (.*))?$`, 's');
const REQUEST = /^([A-Za-z][A-Za-z0-9_-]*) (\S+)(?: (HTTP\/\d(?:\.\d)?))?$/;

export const HTTP_FIELDS = ['client', 'ident', 'user', 'method', 'path', 'protocol', 'request', 'status', 'bytes', 'referrer', 'user_agent', 'extra'] as const;

// nginx "combined" and Apache's "combined" are the same line; Apache "common" stops after the size.
export function httpFormat(name: 'nginx-combined' | 'apache-combined' | 'apache-common'): LineFormat {
  const combined = name !== 'apache-common';
  const regex = combined ? COMBINED : COMMON_ONLY;
  return {
    name,
    family: 'http',
    fields: HTTP_FIELDS,
    parse(line) {
      const m = regex.exec(line);
      if (!m) return diagnose(line, name, combined);
      const time = parseClfTime(m[4]!);
      if (time === undefined) return `invalid time "${m[4]}"`;
      const rawRequest = unescapeQuoted(m[5]!);
      const request = REQUEST.exec(rawRequest);
      const entry: Entry = {
        time,
        client: m[1]!,
        ident: dash(m[2]!),
        user: dash(m[3]!),
        method: request ? request[1]! : null,
        path: request ? request[2]! : null,
        protocol: request ? (request[3] ?? null) : null,
        request: request ? null : rawRequest,
        status: Number(m[6]),
        bytes: m[7] === '-' ? null : Number(m[7]),
        referrer: combined ? dash(unescapeQuoted(m[8]!)) : null,
        user_agent: combined ? dash(unescapeQuoted(m[9]!)) : null,
        extra: (combined ? m[10] : m[8]) ?? null,
      };
      return entry;
    },
  };
}

const dash = (value: string): string | null => (value === '-' ? null : value);

// Why a line is not of the format: the first field that does not fit, and what stands there.
function diagnose(line: string, name: string, combined: boolean): string {
  const steps: Array<[string, RegExp]> = [
    ['the client address', /\S+ /y],
    ['the identity (-)', /\S+ /y],
    ['the user (-)', /\S+ /y],
    ['the time in [brackets]', /\[[^\]]+\]/y],
    ['the request in double quotes', / "(?:[^"\\]|\\.)*"/y],
    ['a three-digit status', / \d{3}/y],
    ['the size (a number or -)', / (?:\d+|-)(?= |$)/y],
  ];
  if (combined) steps.push(['the referrer in double quotes', / "(?:[^"\\]|\\.)*"/y], ['the user agent in double quotes', / "(?:[^"\\]|\\.)*"(?= |$)/y]);
  let at = 0;
  for (const [what, step] of steps) {
    step.lastIndex = at;
    if (!step.test(line)) {
      const found = line.slice(at, at + 40);
      return `not ${name}: expected ${what} at column ${at + 1}, found ${found ? JSON.stringify(found) : 'the end of the line'}`;
    }
    at = step.lastIndex;
  }
  return `not ${name}`;
}
