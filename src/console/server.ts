import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { describeError } from '../core/errors.js';
import { StoreUnusableError } from '../state/store-error.js';
import { Access } from './access.js';
import { parseRunFilter, type FilterQuery } from './filter.js';
import { hourMinute, localMidnight } from './format.js';
import { html } from './html.js';
import { messagePage, STYLESHEET } from './layout.js';
import { logsRoutes } from './logs-routes.js';
import { metricsText } from './metrics.js';
import { LiveHub, LIVE_SCRIPT } from './live.js';
import { processesPage, type Schedules } from './processes-page.js';
import { runLogLines } from './run-log.js';
import { DEFAULT_DAYS, MAX_DAYS, scanInterfacePage } from './scan-interface-page.js';
import { scanDayPage, scanIndexPage, SCAN_SORTS, type ScanSort } from './scan-page.js';
import { ScanDatabaseError, ScanReader } from './scan-reader.js';
import { runPage, runsPage } from './runs-page.js';
import { StoreReader } from './store-reader.js';

export interface ConsoleOptions {
  host: string;
  port: number;
  statePath: string;
  logDir: string;
  /** The scan kind's SQLite, for /scan. */
  scanDb: string;
  /** When each process of the config folder runs next (read again at most every SCHEDULES_MS). */
  schedules?: () => Promise<Schedules>;
  /** Required of every request when given (Bearer, or the cookie of /login). */
  token?: string;
  /** Told of an unexpected error behind a 500, which the client sees only as such. */
  onError(message: string): void;
}

/** Recent runs per process on /processes (its sparklines) and /api/v1/processes. */
export const RUNS_PER_PROCESS = 30;
/** Process files are read again after this long, for the next-run times. */
const SCHEDULES_MS = 30_000;
/** Log lines shown on a run's page; the rest are counted. */
const MAX_LOG_LINES = 5000;

// What every answer carries: no script, style or image from anywhere but here, never framed, never cached, and no
// Referer (a URL typed with ?token= is not passed on).
const HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

// `main serve`'s web server: read-only pages, the JSON API (/api/v1/…) and /metrics over the state store and the
// JSON-lines log. Listening when it returns; `url` is where.
export async function startConsole(o: ConsoleOptions): Promise<{ url: string; close(): Promise<void> }> {
  const store = new StoreReader(o.statePath);
  const scan = new ScanReader(o.scanDb);
  const app = Fastify({ logger: false });
  const access = o.token === undefined ? undefined : new Access(o.token);
  app.addHook('onSend', async (_req, reply) => void reply.headers(HEADERS));
  app.addHook('onRequest', async (req, reply) => {
    // By the route matched, not the URL's text: only these two routes are open to anyone.
    const open = req.routeOptions.url === '/login' || req.routeOptions.url === '/static/console.css' || req.routeOptions.url === '/static/live.js';
    if (!access || open || access.allows(req.headers)) return;
    await refuse(req, reply, 'a token is needed', 401);
  });
  const live = new LiveHub(store);
  // Before the server stops taking connections: event streams never end by themselves.
  app.addHook('preClose', async () => live.close());
  routes(app, store, o, access, live);
  scanRoutes(app, scan);
  logsRoutes(app, store);
  app.setNotFoundHandler((req, reply) => refuse(req, reply, `nothing at ${req.url.split('?')[0]}`, 404));
  app.setErrorHandler((error, req, reply) => {
    if (error instanceof StoreUnusableError || error instanceof ScanDatabaseError) return refuse(req, reply, error.message, 503);
    // Fastify's own refusals (a malformed URL): the client's mistake, said as such.
    const status = (error as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) return refuse(req, reply, (error as Error).message, status);
    o.onError(`The console failed to answer ${req.method} ${req.url.split('?')[0]}: ${describeError(error)}`);
    return refuse(req, reply, 'unexpected error (see the console\'s log)', 500);
  });
  app.addHook('onClose', async () => (store.close(), scan.close()));
  await app.listen({ host: o.host, port: o.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  return { url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}/`, close: () => app.close() };
}

function routes(app: FastifyInstance, store: StoreReader, o: ConsoleOptions, access: Access | undefined, live: LiveHub): void {
  const schedules = cachedSchedules(o.schedules);
  app.get('/static/console.css', async (_req, reply) => reply.type('text/css; charset=utf-8').send(STYLESHEET));
  app.get('/static/live.js', async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(LIVE_SCRIPT));
  app.get('/api/v1/events', async (_req, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { ...HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    live.add(reply.raw);
  });
  app.get('/login', async (req, reply) => {
    const token = first(req.query, 'token');
    if (!access) return reply.redirect('/', 303);
    if (token === undefined || !access.isToken(token)) return refuse(req, reply, 'that is not the token', 401);
    // Back to the console without the token in the address bar or the history's next entry.
    return reply.header('set-cookie', access.setCookie(false)).redirect('/', 303);
  });

  app.get('/', async (req, reply) => {
    const q = filterQuery(req.query);
    const parsed = parseRunFilter(q);
    const runs = 'filter' in parsed ? store.runs(parsed.filter) : [];
    return reply.code('error' in parsed ? 400 : 200).type('text/html; charset=utf-8').send(runsPage(runs, store.processNames(), q, 'error' in parsed ? parsed.error : undefined, { runs: store.live().runs }));
  });
  app.get<{ Params: { id: string } }>('/runs/:id', async (req, reply) => {
    const run = store.run(req.params.id);
    if (!run) return refuse(req, reply, `no run ${req.params.id} in the state store`, 404);
    return reply.type('text/html; charset=utf-8').send(runPage(run, await runLogLines(o.logDir, run.runId, MAX_LOG_LINES)));
  });
  app.get('/processes', async (_req, reply) => {
    const state = store.live();
    return reply.type('text/html; charset=utf-8').send(processesPage(store.processes(RUNS_PER_PROCESS), RUNS_PER_PROCESS, state.running, await schedules(), { runs: state.runs }));
  });

  app.get('/api/v1/runs', async (req, reply) => {
    const parsed = parseRunFilter(filterQuery(req.query));
    if ('error' in parsed) return reply.code(400).send({ error: parsed.error });
    return { runs: store.runs(parsed.filter) };
  });
  app.get<{ Params: { id: string } }>('/api/v1/runs/:id', async (req, reply) => {
    const run = store.run(req.params.id);
    return run ? { run } : reply.code(404).send({ error: `no run ${req.params.id} in the state store` });
  });
  app.get<{ Params: { id: string } }>('/api/v1/runs/:id/log', async (req, reply) => {
    const run = store.run(req.params.id);
    return run ? runLogLines(o.logDir, run.runId, MAX_LOG_LINES) : reply.code(404).send({ error: `no run ${req.params.id} in the state store` });
  });
  app.get('/api/v1/processes', async () => ({ processes: store.processes(RUNS_PER_PROCESS), running: store.running(), schedules: await schedules() }));

  app.get('/metrics', async (_req, reply) => {
    const { contentType, text } = await metricsText(store);
    return reply.type(contentType).send(text);
  });
}

// The schedules, read again once they are SCHEDULES_MS old; none to show when `main serve` was given no reader.
function cachedSchedules(read: ConsoleOptions['schedules']): () => Promise<Schedules> {
  let cached: { at: number; value: Promise<Schedules> } | undefined;
  return () => {
    if (!read) return Promise.resolve({ planned: [] });
    if (!cached || Date.now() - cached.at > SCHEDULES_MS) cached = { at: Date.now(), value: read().catch((error: unknown) => ({ problem: describeError(error) })) };
    return cached.value;
  };
}

// The scan kind's days: a page per layer and day, with its charts, and the same as JSON.
function scanRoutes(app: FastifyInstance, scan: ScanReader): void {
  type Day = { Params: { layer: string; date: string } };
  app.get('/scan', async (_req, reply) => reply.type('text/html; charset=utf-8').send(scanIndexPage(scan.path, scan.exists() ? scan.days() : undefined)));
  app.get<Day>('/scan/:layer/:date', async (req, reply) => {
    const sort = first(req.query, 'sort') ?? 'utilisation';
    if (!(SCAN_SORTS as readonly string[]).includes(sort)) return refuse(req, reply, `expected sort to be one of ${SCAN_SORTS.join(', ')}, got ${JSON.stringify(sort)}`, 400);
    const { layer, date } = req.params;
    return reply.type('text/html; charset=utf-8').send(scanDayPage(layer, date, scan.day(layer, date), sort as ScanSort, hourMinute, localMidnight(date)));
  });
  app.get('/api/v1/scan/days', async () => ({ days: scan.days() }));
  app.get<Day>('/api/v1/scan/:layer/:date', async (req) => ({ interfaces: scan.day(req.params.layer, req.params.date) }));
  // One interface over its last days (?days=N).
  type Iface = { Params: { layer: string; name: string } };
  app.get<Iface>('/scan/:layer/interfaces/:name', async (req, reply) => {
    const days = dayCount(first(req.query, 'days'));
    if (typeof days === 'string') return refuse(req, reply, days, 400);
    const { layer, name } = req.params;
    return reply.type('text/html; charset=utf-8').send(scanInterfacePage(layer, name, scan.interfaceDays(layer, name, days), days));
  });
  app.get<Iface>('/api/v1/scan/:layer/interfaces/:name', async (req, reply) => {
    const days = dayCount(first(req.query, 'days'));
    if (typeof days === 'string') return reply.code(400).send({ error: days });
    return { days: scan.interfaceDays(req.params.layer, req.params.name, days) };
  });
}

// ?days=N of the multi-day view: a whole number from 1 to MAX_DAYS, or a message saying what was wrong.
function dayCount(text: string | undefined): number | string {
  if (text === undefined) return DEFAULT_DAYS;
  const n = Number(text);
  return /^\d+$/.test(text) && n >= 1 && n <= MAX_DAYS ? n : `expected days to be a whole number from 1 to ${MAX_DAYS}, got ${JSON.stringify(text)}`;
}

// A refusal or a failure, as the client reads: JSON for the API, text for /metrics, a page for a browser.
function refuse(req: FastifyRequest, reply: FastifyReply, message: string, code: number): FastifyReply {
  reply.code(code);
  if (code === 401) reply.header('www-authenticate', 'Bearer realm="sysadmintoolkit console"');
  if (req.url.startsWith('/api/')) return reply.send({ error: message });
  if (req.url.startsWith('/metrics')) return reply.type('text/plain; charset=utf-8').send(`${message}\n`);
  const hint = code === 401 ? html`Open <code>/login?token=…</code> with the console's token (the one given to <code>main serve</code>), or send <code>Authorization: Bearer …</code>.` : undefined;
  return reply.type('text/html; charset=utf-8').send(messagePage(TITLES[code] ?? 'Error', message, hint));
}

const TITLES: Record<number, string> = { 400: 'Bad request', 401: 'Token needed', 404: 'Not found', 500: 'Error', 503: 'Cannot read the data' };

function filterQuery(query: unknown): FilterQuery {
  return { process: first(query, 'process'), status: first(query, 'status'), since: first(query, 'since'), limit: first(query, 'limit') };
}

// A query parameter's value; the first when it is repeated.
function first(query: unknown, key: string): string | undefined {
  const v = (query as Record<string, unknown> | undefined)?.[key];
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' ? s : undefined;
}
