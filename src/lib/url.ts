// URLs in process files: the one place they are parsed, and their credentials taken apart and masked.

export const MASK = '***';

export interface UrlParts {
  /** The URL without its credentials: what runners connect to and messages show. */
  url: string;
  user?: string;
  password?: string;
}

export type UrlReading = { ok: true; parts: UrlParts } | { ok: false; why: string; shown: string };

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is;

// `scheme://user:password@host…`. The password may hold anything, `#`, `/`, `@` and spaces included: it runs
// to the last @ (so the rest of the URL cannot hold one). The user and password may be written as they are or
// percent-encoded (%2F); a % that does not start an escape is a %. Never throws, and never quotes a password.
export function readUrl(text: string, schemes: readonly string[]): UrlReading {
  const m = SCHEME.exec(text.trim());
  if (!m) return { ok: false, why: '', shown: maskUrl(text) };
  const [, scheme, rest] = m as unknown as [string, string, string];
  const shown = maskCredentials(scheme, rest);
  if (!schemes.includes(scheme.toLowerCase())) return { ok: false, why: `the scheme is not ${schemes.map((s) => `${s}://`).join(' or ')}`, shown };
  const at = rest.lastIndexOf('@');
  const hostPart = rest.slice(at + 1);
  if (/[\s\x00-\x1f\x7f]/.test(hostPart)) return { ok: false, why: 'a space or a control character after the host', shown };
  const bare = `${scheme}://${hostPart}`;
  try {
    // The error of `new URL` carries the input in `input`: it goes no further than here.
    if (!new URL(bare).hostname) return { ok: false, why: 'it names no host', shown };
  } catch {
    return { ok: false, why: '', shown };
  }
  return { ok: true, parts: { url: bare, ...credentialsOf(rest) } };
}

// The user and password of `scheme://user:password@host…`, decoded, and the password as written; none when the
// text is not such a URL. For the secret scan: it reads what `readUrl` would, even where the host is broken.
export function urlCredentials(text: string): { user?: string; password?: string; written?: string } {
  const m = SCHEME.exec(text.trim());
  return m ? credentialsOf(m[2]!) : {};
}

function credentialsOf(rest: string): { user?: string; password?: string; written?: string } {
  const at = rest.lastIndexOf('@');
  if (at === -1) return {};
  const userinfo = rest.slice(0, at);
  const colon = userinfo.indexOf(':');
  const user = decode(colon === -1 ? userinfo : userinfo.slice(0, colon));
  if (colon === -1) return user === '' ? {} : { user };
  const written = userinfo.slice(colon + 1);
  return { ...(user === '' ? {} : { user }), password: decode(written), written };
}

// `scheme://user:***@host…`; a user without a password may be a token (`https://TOKEN@host`): `***@host`.
function maskCredentials(scheme: string, rest: string): string {
  const at = rest.lastIndexOf('@');
  if (at === -1) return maskUrl(`${scheme}://${rest}`);
  const colon = rest.slice(0, at).indexOf(':');
  return `${scheme}://${colon === -1 ? MASK : `${rest.slice(0, colon)}:${MASK}`}@${rest.slice(at + 1)}`;
}

// The text with the password of anything shaped like `scheme://user:password@host` replaced by ***, the
// password running to the last @ of the word (what the log redactor applies to every line).
export function maskUrlPasswords(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@[]*:)\S*@/gi, `$1${MASK}@`);
}

// maskUrlPasswords, and for a value quoted in a message, a URL without an @ whose port is not a number
// (`http://admin:pw`) is masked after the colon too: it may be a password whose host was forgotten.
export function maskUrl(text: string): string {
  return maskUrlPasswords(text).replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@[]*:)(?!\d*(?:\W|$))[^@\s"]+(?=[\s"]|$)/gi, `$1${MASK}`);
}

// Percent-decoded when it is a well-formed escape sequence, as it is; a raw password with a stray % stays raw.
function decode(text: string): string {
  if (!/%[0-9a-f]{2}/i.test(text) || /%(?![0-9a-f]{2})/i.test(text)) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
