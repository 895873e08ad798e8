import http from 'node:http';
import https from 'node:https';
import Transport from 'winston-transport';
import type { LokiConfig } from '../monitoring/schema.js';

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
export class LokiTransport extends Transport {
  private pending: Entry[] = [];
  private dropped = 0;
  private failing = false;
  private inFlight?: Promise<void>;
  private readonly timer: NodeJS.Timeout;
  private readonly agent: http.Agent;
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
    this.timer = setInterval(() => void this.flush(), options.flushMs ?? 1000).unref();
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

  private enqueue(info: Record<string, unknown>, process: string): void {
    const stream: Record<string, string> = { ...this.options.labels, job: 'sysadmintoolkit', host: this.options.host, process, level: String(info.level) };
    if (typeof info.runId === 'string') stream.run = info.runId;
    if (typeof info.type === 'string') stream.type = info.type;
    const extras = Object.entries(info)
      .filter(([k]) => !NOT_IN_LINE.has(k))
      .map(([k, v]) => `${k}=${typeof v === 'string' && /^[^\s"=\\]+$/.test(v) ? v : JSON.stringify(v)}`);
    const line = extras.length ? `${String(info.message)} ${extras.join(' ')}` : String(info.message);
    this.pending.push({ labels: JSON.stringify(stream), stream, ns: this.nanoseconds(info.timestamp), line });
    const max = this.options.maxPending ?? 10_000;
    if (this.pending.length > max) this.dropped += this.pending.splice(0, this.pending.length - max).length;
    if (this.pending.length >= BATCH) void this.flush();
  }

  // Distinct, increasing timestamps within a millisecond keep the lines of one stream in their order.
  private nanoseconds(timestamp: unknown): string {
    const ms = typeof timestamp === 'string' ? Date.parse(timestamp) : Date.now();
    this.seq = ms === this.lastMs ? this.seq + 1 : 0;
    this.lastMs = ms;
    return `${ms}${String(this.seq).padStart(6, '0')}`;
  }

  // Push what is pending, a batch at a time; a failed batch goes back to the front for the next try.
  flush(): Promise<void> {
    this.inFlight ??= this.pushAll().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async pushAll(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending.splice(0, BATCH);
      try {
        await this.push(batch);
      } catch (error) {
        this.pending.unshift(...batch);
        if (!this.failing) this.options.onTrouble(`Loki at ${this.options.url} did not take the log lines (${(error as Error).message}); they are held (at most ${this.options.maxPending ?? 10_000}) and sent when it answers. The processes go on.`);
        this.failing = true;
        return;
      }
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
          reject(new Error(`HTTP ${status}: ${Buffer.concat(chunks).toString('utf8').trim().slice(0, 200)}`));
        });
        res.on('error', reject);
      });
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer for ${REQUEST_TIMEOUT_MS / 1000} s`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  // The last lines, within `deadlineMs`; what Loki has not taken by then is reported lost.
  async drain(deadlineMs: number): Promise<void> {
    clearInterval(this.timer);
    const deadline = Date.now() + deadlineMs;
    // One more try for a Loki that is down (it has been told already); a slow one gets until the deadline.
    while ((this.pending.length || this.inFlight) && Date.now() < deadline) {
      // The timer is held (not unref'd) on purpose: the program waits for these last lines, up to the deadline.
      let wait: NodeJS.Timeout | undefined;
      await Promise.race([this.flush(), new Promise((r) => (wait = setTimeout(r, Math.max(0, deadline - Date.now()))))]);
      clearTimeout(wait);
      if (this.failing) break;
    }
    if (this.pending.length) this.options.onTrouble(`Loki at ${this.options.url}: ${this.pending.length} log line(s) could not be sent before exit.`);
    this.pending = [];
    this.agent.destroy();
  }
}
