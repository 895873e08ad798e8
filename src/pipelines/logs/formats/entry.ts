// One parsed log line. Which fields are set depends on the format's family; `time` is epoch ms or null.
export interface Entry {
  time: number | null;
  client?: string | null;
  ident?: string | null;
  user?: string | null;
  method?: string | null;
  path?: string | null;
  protocol?: string | null;
  /** The request line as sent, kept only when it is not "METHOD target PROTOCOL" (a TLS probe, garbage). */
  request?: string | null;
  status?: number | null;
  bytes?: number | null;
  referrer?: string | null;
  user_agent?: string | null;
  /** Fields after the user agent (a custom nginx log_format that appends some). */
  extra?: string | null;
  facility?: number | null;
  /** Syslog severity, 0 (emerg) to 7 (debug). */
  severity?: number | null;
  host?: string | null;
  app?: string | null;
  pid?: string | null;
  msgid?: string | null;
  structured_data?: string | null;
  level?: string | null;
  message?: string | null;
  /** jsonl: the object; regex: the named groups that have no column. */
  data?: Record<string, unknown>;
}

export type Family = 'http' | 'syslog' | 'json' | 'regex';

// How a format reads a line: an entry, or why the line was rejected.
export interface LineFormat {
  name: string;
  family: Family;
  /** Fields an exclude rule may name (jsonl and regex also reach into `data`). */
  fields: readonly string[];
  /** A line that starts with a space or a tab continues the message before it (syslog; records.ts joins them). */
  multiline?: boolean;
  parse(line: string): Entry | string;
}

export const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

// Quoted fields escape a quote as \" and a backslash as \\ (Apache); nginx writes \x22, which is kept as is.
export function unescapeQuoted(text: string): string {
  return text.includes('\\') ? text.replace(/\\(["\\])/g, '$1') : text;
}
