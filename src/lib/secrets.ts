import { urlCredentials } from './url.js';

// Keys whose values are secrets: never shown in an error, redacted from every log line.
// Over-matching ("bypass") costs a masked value; under-matching would print a password. A chat webhook's URL
// (Slack, Teams: `webhook`) is its credential.
export const SECRET_KEY = /pass|pwd|^pw$|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|webhook/i;

// A URL inside other text (`--url=http://admin:p@ss@db`): the password runs to the last @ of the word.
const URL_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^/\s:@[]*:(\S+)@/gi;

// True when any segment of a path into a process definition names a secret.
export function isSecretPath(path: readonly (string | number)[]): boolean {
  return path.some((segment) => typeof segment === 'string' && SECRET_KEY.test(segment));
}

// Every secret value in a process definition: values under secret-looking keys and passwords inside URLs.
export function collectSecrets(value: unknown, underSecretKey = false, into = new Set<string>(), path = new Set<object>()): Set<string> {
  if (typeof value === 'string') {
    if (underSecretKey && value !== '') into.add(value);
    // A whole value that is a URL is read as validation reads it: its password may hold spaces, / and #.
    const { user, password, written } = urlCredentials(value);
    if (password) {
      into.add(password).add(written!);
      into.add(Buffer.from(`${user ?? ''}:${password}`).toString('base64'));
    }
    for (const m of value.matchAll(URL_PASSWORD)) if (m[1]) into.add(m[1]);
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    // `PGPASSWORD: 84629173` is a secret too, and is printed as text.
    if (underSecretKey) into.add(String(value));
  } else if (value && typeof value === 'object' && !path.has(value)) {
    // `path` breaks the cycles a YAML alias can make (`a: &x [*x]`).
    path.add(value);
    // HTTP Basic authentication sends base64("user:password"): a server that echoes the header must not leak it.
    const { user, password } = value as { user?: unknown; password?: unknown };
    if (typeof user === 'string' && typeof password === 'string' && password) into.add(Buffer.from(`${user}:${password}`).toString('base64'));
    if (Array.isArray(value)) for (const item of value) collectSecrets(item, underSecretKey, into, path);
    else for (const [k, v] of Object.entries(value)) collectSecrets(v, underSecretKey || SECRET_KEY.test(k), into, path);
    path.delete(value);
  }
  return into;
}
