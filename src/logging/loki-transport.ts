import type { Agent, IncomingMessage } from 'node:http';
import { http, https } from '../lib/node-http.js';
import Transport from 'winston-transport';
import type { LokiConfig } from '../core/process.js';

export interface LokiTransportOptions extends Pick<LokiConfig, 'url' | 'user' | 'password' | 'tls_verify' | 'labels'> {
  host: string;
  /** Only the lines of these processes go to this Loki. */
  processes: Set<string>;
  /** Told when Loki stops answering (once per outage) and when it answers again. */
  onTrouble(message: string): void;
  /** Lines held while Loki does not answer; beyond it the oldest are dropped and counted. */
  maxPending?: number;
  flushMs?: number;
}

interface Entry {
  labels: string;
  stream: Record<string, string>;
  ns: string;
  line: string;
}

// The keys that become labels (run, process, type, level) or the timestamp, and the command line a step ran
// (in the JSON log already, and long); the rest of the meta goes in the line as logfmt (`| logfmt` in LogQL).
const NOT_IN_LINE = new Set(['level', 'message', 'timestamp', 'runId', 'process', 'type', 'step']);
const BATCH = 1000;
const REQUEST_TIMEOUT_MS = 10_000;

// Log lines pushed to Loki's HTTP API in batches: one request in flight, bounded memory while Loki is away,
// a last flush on close. Written here rather than taken from winston-loki: that one needs protobuf and snappy
// for its default mode, retries without bound, and has no way to wait for the last batch before exit.
class Refused extends Error {}

export class LokiTransport extends Transport {
  private pending: Entry[] = [];
  /** Lines given up on since the last report: over the bound while Loki was away, or refused by it (4xx). */
  private dropped = 0;
  private failing = false;
  private failures = 0;
  private nextTryAt = 0;
  private shut = false;
  private inFlight?: Promise<void>;
  private inFlightLines = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly agent: Agent;
  private readonly endpoint: URL;
  private readonly auth?: string;
  private lastMs = 0;
  private seq = 0;

  constructor(private readonly options: LokiTransportOptions) {
    super();
    this.endpoint = new URL(`${options.url.replace(/\/$/, '')}/loki/api/v1/push`);
    const secure = this.endpoint.protocol === 'https:';
    this.agent = secure ? new https.Agent({ keepAlive: true, rejectUnauthorized: options.tls_verify !== false }) : new http.Agent({ keepAlive: true });
    if (options.user !== undefined) this.auth = `Basic ${Buffer.from(`${options.user}:${options.password ?? ''}`).toString('base64')}`;
    // unref: a pending push never keeps `main` alive; close() sends what is left.
    this.timer = setInterval(() => {
      // While Loki is away, tries space out (1 s, 2 s, 4 s … 30 s) rather than hammering it.
      if (!this.failing || Date.now() >= this.nextTryAt) void this.flush();
    }, options.flushMs ?? 1000).unref();
  }

  override log(info: Record<string, unknown>, next: () => void): void {
    const process = info.process;
    if (typeof process === 'string' && this.options.processes.has(process)) this.enqueue(info, process);
    next();
  }

  /** Send this process's lines too. */
  follow(process: string): void {
    this.options.processes.add(process);
  }

  /** No longer send this process's lines. */
  unfollow(process: string): void {
    this.options.processes.delete(process);
  }

  private enqueue(info: Record<string, unknown>, process: string): void {
    const stream: Record<string, string> = { ...this.options.labels, job: 'sysadmintoolkit', host: this.options.host, process, level: String(info.level) };
    if (typeof info.runId === 'string') stream.run = info.runId;
    if (typeof info.type === 'string') stream.type = info.type;
    const extras = Object.entries(info)
      .filter(([k]) => !NOT_IN_LINE.has(k))
      .map(([k, v]) => `${k}=${typeof v === 'string' && /^[^\s"=\\]+$/.test(v) ? v : JSON.stringify(v)}`);
    const line = extras.length ? `${String(info.message)} ${extras.join(' ')}` : String(info.message);
    this.pending.push({ labels: JSON.stringify(stream), stream, ns: this.nanoseconds(info.timestamp), line });
    this.bound();
    if (this.pending.length >= BATCH && !this.failing) void this.flush();
  }

  // Distinct, increasing timestamps within a millisecond keep the lines of one stream in their order.
  private nanoseconds(timestamp: unknown): string {
    const ms = typeof timestamp === 'string' ? Date.parse(timestamp) : Date.now();
    this.seq = ms === this.lastMs ? this.seq + 1 : 0;
    this.lastMs = ms;
    return `${ms}${String(this.seq).padStart(6, '0')}`;
  }

  // At most maxPending lines held, the batch in flight included; the oldest go first, counted.
  private bound(): void {
    const over = this.pending.length + this.inFlightLines - (this.options.maxPending ?? 10_000);
    if (over > 0) this.dropped += this.pending.splice(0, Math.min(over, this.pending.length)).length;
  }

  // Push what is pending, a batch at a time; a failed batch goes back to the front for the next try.
  flush(): Promise<void> {
    this.inFlight ??= this.pushAll().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async pushAll(): Promise<void> {
    while (this.pending.length && !this.shut) {
      const batch = this.pending.splice(0, BATCH);
      this.inFlightLines = batch.length;
      try {
        await this.push(batch);
      } catch (error) {
        this.inFlightLines = 0;
        if (this.shut) return; // counted as not sent by drain()
        if (error instanceof Refused) {
          // Loki will refuse these lines whatever the number of tries (a 4xx): they go, and are counted.
          this.dropped += batch.length;
          this.options.onTrouble(`Loki at ${this.options.url} refused ${batch.length} log line(s) (${error.message}); they are dropped.`);
          continue;
        }
        this.pending.unshift(...batch);
        this.bound();
        if (!this.failing) this.options.onTrouble(`Loki at ${this.options.url} did not take the log lines (${(error as Error).message}); they are held (at most ${this.options.maxPending ?? 10_000}) and sent when it answers. The processes go on.`);
        this.failing = true;
        this.failures++;
        this.nextTryAt = Date.now() + Math.min(30_000, 1000 * 2 ** (this.failures - 1));
        return;
      }
      this.inFlightLines = 0;
      this.failures = 0;
      if (this.failing || this.dropped) {
        this.options.onTrouble(`Loki at ${this.options.url} answers again${this.dropped ? `; ${this.dropped} log line(s) were dropped while it did not` : ''}.`);
        this.failing = false;
        this.dropped = 0;
      }
    }
  }

  private push(batch: Entry[]): Promise<void> {
    const streams = new Map<string, { stream: Record<string, string>; values: [string, string][] }>();
    for (const e of batch) {
      let s = streams.get(e.labels);
      if (!s) streams.set(e.labels, (s = { stream: e.stream, values: [] }));
      s.values.push([e.ns, e.line]);
    }
    const body = JSON.stringify({ streams: [...streams.values()] });
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) };
    if (this.auth) headers.Authorization = this.auth;
    const transport = this.endpoint.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(this.endpoint, { method: 'POST', agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve();
          const message = `HTTP ${status}: ${Buffer.concat(chunks).toString('utf8').trim().slice(0, 200)}`;
          // 429 (rate limited) is worth another try; another 4xx is not (a line too long, too old, a bad label).
          reject(status >= 400 && status < 500 && status !== 429 ? new Refused(message) : new Error(message));
        });
        res.on('error', reject);
      });
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer for ${REQUEST_TIMEOUT_MS / 1000} s`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  // The last lines, within `deadlineMs`; what Loki has not taken by then is reported as not sent.
  async drain(deadlineMs: number): Promise<void> {
    clearInterval(this.timer);
    const deadline = Date.now() + deadlineMs;
    // One more try for a Loki that is down (it has been told already); a slow one gets until the deadline.
    let tried = false;
    while ((this.pending.length || this.inFlight) && Date.now() < deadline && !(this.failing && tried)) {
      tried = true;
      // The timer is held (not unref'd) on purpose: the program waits for these last lines, up to the deadline.
      let wait: NodeJS.Timeout | undefined;
      await Promise.race([this.flush(), new Promise((r) => (wait = setTimeout(r, Math.max(0, deadline - Date.now()))))]);
      clearTimeout(wait);
    }
    this.shut = true;
    const lost = this.pending.length + this.inFlightLines + this.dropped;
    if (lost) this.options.onTrouble(`Loki at ${this.options.url}: ${lost} log line(s) were not sent (${this.pending.length + this.inFlightLines} still held at exit, ${this.dropped} dropped before).`);
    this.pending = [];
    this.dropped = 0;
    this.agent.destroy();
  }
}
