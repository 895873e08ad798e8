import { SECRET_KEY } from '../lib/secrets.js';
import { maskUrlPasswords } from '../lib/url.js';

export const MASK = '***';

// Credentials that need no list of secrets to be recognised (URL passwords: maskUrlPasswords).
const PATTERNS: Array<[RegExp, string]> = [
  [/\b(authorization["']?\s*[:=]\s*["']?(?:basic|bearer|token)\s+)[^\s"',]+/gi, `$1${MASK}`],
  [/((?:^|[?&;\s-])(?:password|passwd|pwd|pw|token|secret|api[-_]?key|access[-_]?key)=)[^&\s;]+/gim, `$1${MASK}`],
];

// Replaces every known secret, in every form it may be printed in, and anything shaped like a credential, with ***.
export class Redactor {
  private secrets = new Set<string>();
  private matcher: RegExp | undefined;

  add(values: Iterable<string>): void {
    for (const v of values) if (v) for (const form of secretForms(v)) this.secrets.add(form);
    const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // A secret of 1 to 3 characters is masked where it stands alone: masking every "p" would destroy the logs.
    const alternatives = [...this.secrets]
      .sort((a, b) => b.length - a.length)
      .map((s) => (s.length < 4 ? `(?<![\\p{L}\\p{N}])${escape(s)}(?![\\p{L}\\p{N}])` : escape(s)));
    this.matcher = alternatives.length ? new RegExp(alternatives.join('|'), 'gu') : undefined;
  }

  text(value: string): string {
    let out = this.matcher ? value.replace(this.matcher, MASK) : value;
    out = maskUrlPasswords(out);
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }

  // A deep copy of `value` with secrets masked; a key that names a secret hides its whole value.
  value(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.text(value);
    if (depth > 8 || value === null || typeof value !== 'object') return value;
    if (value instanceof Error) return this.text(value.message);
    if (Array.isArray(value)) return value.map((v) => this.value(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null && v !== '' ? MASK : this.value(v, depth + 1);
    return out;
  }
}

// A secret as it may reach a log line: as is; shell-quoted; percent-encoded as a query string, a form body, a URL's user and
// password or a path have it (upper- and lower-case hex, and encoded twice); JSON-escaped; in base64.
export function secretForms(secret: string): string[] {
  // The last: inside double quotes, as a shell-quoted command line shows an argument holding a `'` (lib/shell-quote.ts).
  const forms = new Set([secret, JSON.stringify(secret).slice(1, -1), secret.replace(/["$`\\]/g, '\\$&')]);
  try {
    const component = encodeURIComponent(secret);
    forms.add(component).add(component.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())).add(component.replace(/%20/g, '+'));
    forms.add(encodeURIComponent(component)).add(encodeURI(secret));
  } catch {
    // A lone surrogate cannot be percent-encoded; nothing can print it encoded either.
  }
  forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
  const url = new URL('http://host');
  url.password = secret;
  url.username = secret;
  forms.add(url.password).add(url.username);
  const bytes = Buffer.from(secret);
  forms.add(bytes.toString('base64').replace(/=+$/, '')).add(bytes.toString('base64url'));
  return [...forms].filter(Boolean);
}
