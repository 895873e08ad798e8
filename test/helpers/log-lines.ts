// Realistic nginx "combined" lines, deterministic: a day of traffic, IPv4 and IPv6 clients, ids in paths,
// query strings, bots, "-" sizes, an escaped quote in a user agent, and an hour (13:00) where 5xx spike.

const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
  'curl/8.5.0',
  'Googlebot/2.1 (+http://www.google.com/bot.html)',
  'Mozilla/5.0 (compatible; \\"quoted\\" agent)',
  'kube-probe/1.29',
];
const PATHS = ['/', '/index.html', '/api/users/{id}', '/api/users/{id}/orders', '/api/orders/{id}', '/static/app.{id}.js', '/login', '/search?q={id}'];

export interface GeneratedLog {
  text: string;
  lines: number;
  /** Lines per status, as written. */
  statuses: Record<string, number>;
}

// `n` lines starting at `start` (epoch ms), spread over a day.
export function nginxCombined(n: number, start = Date.UTC(2026, 10, 22), seed = 1): GeneratedLog {
  let state = seed >>> 0 || 1;
  const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const statuses: Record<string, number> = {};
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = start + Math.floor((i / n) * 86_400_000);
    const hour = new Date(t).getUTCHours();
    const client = rand() < 0.1 ? `2001:db8::${Math.floor(rand() * 0xffff).toString(16)}` : `10.${Math.floor(rand() * 4)}.${Math.floor(rand() * 256)}.${Math.floor(rand() * 256)}`;
    const path = PATHS[Math.floor(rand() * PATHS.length)]!.replace('{id}', String(Math.floor(rand() * 5000)));
    const agent = path === '/' && rand() < 0.5 ? AGENTS[5]! : AGENTS[Math.floor(rand() * 5)]!;
    const r = rand();
    const status = hour === 13 ? (r < 0.3 ? 503 : 200) : r < 0.02 ? 500 : r < 0.1 ? 404 : r < 0.15 ? 304 : 200;
    statuses[status] = (statuses[status] ?? 0) + 1;
    const size = status === 304 ? '-' : String(Math.floor(rand() * 50_000));
    out.push(`${client} - ${rand() < 0.05 ? 'alice' : '-'} [${clf(t)}] "${rand() < 0.8 ? 'GET' : 'POST'} ${path} HTTP/1.1" ${status} ${size} "${rand() < 0.3 ? 'https://example.com/' : '-'}" "${agent}"`);
  }
  return { text: `${out.join('\n')}\n`, lines: n, statuses };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

// nginx's $time_local, in UTC.
export function clf(ms: number): string {
  const d = new Date(ms);
  const p = (x: number) => String(x).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
