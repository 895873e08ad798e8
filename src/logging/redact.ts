import { SECRET_KEY } from '../config/secrets.js';

export const MASK = '***';

// Credentials that need no list of secrets to be recognised.
const PATTERNS: Array<[RegExp, string]> = [
  [/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^\s/]+@/gi, `$1${MASK}@`],
  [/\b(authorization:\s*(?:basic|bearer|token)\s+)\S+/gi, `$1${MASK}`],
  [/((?:^|[?&;\s-])(?:password|passwd|pwd|pw|token|secret|api[-_]?key|access[-_]?key)=)[^&\s;]+/gim, `$1${MASK}`],
];

// Replaces every known secret, and anything shaped like a credential, with ***.
export class Redactor {
  private secrets = new Set<string>();
  private matcher: RegExp | undefined;

  add(values: Iterable<string>): void {
    for (const v of values) if (v) this.secrets.add(v);
    const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // A secret of 1 to 3 characters is masked where it stands alone: masking every "p" would destroy the logs.
    const alternatives = [...this.secrets]
      .sort((a, b) => b.length - a.length)
      .map((s) => (s.length < 4 ? `(?<![\\p{L}\\p{N}])${escape(s)}(?![\\p{L}\\p{N}])` : escape(s)));
    this.matcher = alternatives.length ? new RegExp(alternatives.join('|'), 'gu') : undefined;
  }

  text(value: string): string {
    let out = this.matcher ? value.replace(this.matcher, MASK) : value;
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
