// What follows the time of an RFC 3164 line: "HOSTNAME TAG: MSG", where the hostname is missing from what a
// local syslogd or haproxy writes, and the tag may be missing or not followed by a space. Read as rsyslog and
// syslog-ng read it; each rule says which of them it follows.

// A hostname is letters, digits, '.', '_' and '-', ends with a letter or a digit, and is followed by a space or
// the end of the line; anything else ("haproxy[73411]:", "---") starts the tag or the message, as in rsyslog's
// tools/pmrfc3164.c (parse2: "there are certain characters which are frequently used in TAG (e.g. ':'), which
// are *invalid* in host names"). An IPv6 address, hex digits with two colons or more, is one too, as syslog-ng's
// IPv6 heuristic in modules/syslogformat/syslog-format.c (log_msg_parse_hostname) lets it be.
const HOSTNAME = /^(?:[A-Za-z0-9._-]*[A-Za-z0-9]|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?= |$)/;
// Right after the time it is syslogd's own line and has neither a hostname nor a tag (syslog-ng, log_msg_parse_legacy).
const REPEATED = 'last message repeated';
// "app" or "app[pid]", the tag's name at most 64 characters.
const TAG_NAME = /^([^\s:[\]]{1,64})(?:\[([^\]]*)\])?/;

// The fields of an entry that the header gives; NULL where the line has none.
export interface Header {
  host: string | null;
  app: string | null;
  pid: string | null;
  message: string;
}

// The hostname, the tag (app and pid) and the message of what follows the time.
export function readHeader(rest: string): Header {
  if (rest.startsWith(REPEATED)) return { host: null, app: null, pid: null, message: rest };
  const host = HOSTNAME.exec(rest)?.[0] ?? null;
  const afterHost = host === null ? rest : rest.slice(host.length + 1);
  return { host, ...readTag(afterHost) };
}

// "app[pid]: msg" and "app: msg"; the space after the colon may be missing ("root[8539]:syslog message"), as
// rsyslog (its TAG ends at the colon) and syslog-ng (log_msg_parse_legacy_program_name skips an optional space)
// read it, except before a digit without a pid, so that "CEF:0|…" and "LEEF:1.0|…" stay messages. "app[pid]"
// followed by a space is a tag too (macOS launchd: "com.apple.xpc.launchd[1] (com.apple.quicklook[21556]): …"),
// as syslog-ng reads it. A first word with neither a colon nor a pid is the message's, as rsyslog reads it with
// force.tagEndingByColon: "host just some text" has no application.
function readTag(rest: string): Omit<Header, 'host'> {
  const m = TAG_NAME.exec(rest);
  if (m) {
    const pid = m[2] ?? null;
    let at = m[0].length;
    const next = rest.charCodeAt(at);
    if (next === COLON) {
      const after = rest.charCodeAt(++at);
      if (after === SPACE) at++;
      else if (pid === null && after >= ZERO && after <= NINE) at = -1;
    } else if (pid !== null && next === SPACE) at++;
    else at = -1;
    if (at >= 0) return { app: m[1]!, pid, message: rest.slice(at) };
  }
  return { app: null, pid: null, message: rest };
}

const COLON = 0x3a;
const SPACE = 0x20;
const ZERO = 0x30;
const NINE = 0x39;
