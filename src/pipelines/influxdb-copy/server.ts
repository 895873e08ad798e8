import { decodeMultiStream, type DecoderOptions } from '@msgpack/msgpack';
import { InfluxDB } from 'influx';
import type { FieldType } from '../../lib/line-protocol.js';
import { withRetries } from '../../lib/retry.js';
import { InfluxHttp, isPermanent, PermanentError, readAll } from '../../lib/influx-http.js';
import type { ServerConfig } from './schema.js';

export interface Series {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export interface RetentionPolicy {
  name: string;
  duration: string;
  shardGroupDuration: string;
  replicaN: number;
  default: boolean;
}

export interface ServerOptions {
  timeoutMs: number;
  retries: number;
  signal: AbortSignal;
  onRetry?(what: string, attempt: number, error: unknown): void;
}

export const quoteIdent = (name: string) => `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

// One side of a copy. The data path streams msgpack over plain HTTP: exact int64 and nanosecond epochs,
// bounded memory. Administration goes through the `influx` package, which buffers (fine for SHOW …).
export class InfluxServer {
  readonly http: InfluxHttp;
  private readonly admin: InfluxDB;

  constructor(
    /** "source" or "destination", for messages. */
    readonly side: string,
    readonly config: ServerConfig,
    private readonly options: ServerOptions,
  ) {
    this.http = new InfluxHttp(config);
    const url = new URL(config.url);
    this.admin = new InfluxDB({
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      protocol: url.protocol === 'https:' ? 'https' : 'http',
      path: url.pathname.replace(/\/$/, ''),
      username: config.user,
      password: config.password,
      database: config.database,
      options: { rejectUnauthorized: config.tls_verify, timeout: options.timeoutMs },
      pool: { maxRetries: 0, requestTimeout: options.timeoutMs },
    });
  }

  get database(): string {
    return this.config.database;
  }

  // Stream the series of one statement, chunk by chunk; nothing is held beyond one chunk.
  async *select(statement: string, chunkSize: number): AsyncGenerator<Series> {
    const res = await this.retry(`query ${statement.slice(0, 60)}`, () =>
      this.http.request({
        method: 'POST',
        path: '/query',
        params: { db: this.database, q: statement, epoch: 'ns', chunked: 'true', chunk_size: String(chunkSize) },
        headers: { Accept: 'application/x-msgpack' },
        timeoutMs: this.options.timeoutMs,
        signal: this.options.signal,
      }),
    );
    // InfluxDB before 1.4 ignores the Accept header and answers JSON, whose bytes decode as msgpack numbers.
    const type = String(res.headers['content-type'] ?? '');
    if (!type.includes('application/x-msgpack')) {
      res.resume();
      throw new PermanentError(`the ${this.side} answered "${type}" instead of msgpack: InfluxDB 1.4 or later is needed`);
    }
    for await (const chunk of decodeMultiStream(res, { useBigInt64: true } as DecoderOptions)) {
      if (chunk === null || typeof chunk !== 'object') throw new PermanentError(`the ${this.side} sent a malformed msgpack answer`);
      const body = chunk as { error?: string; results?: Array<{ error?: string; series?: Series[] }> };
      if (body.error) throw new PermanentError(`query failed: ${body.error}`);
      for (const result of body.results ?? []) {
        if (result.error) throw new PermanentError(`query failed: ${result.error}`);
        yield* result.series ?? [];
      }
    }
  }

  // Post one batch of line protocol; a point the server did not take fails the copy with its count and reason.
  async write(retentionPolicy: string, body: Buffer, points: number): Promise<void> {
    await this.retry(`write of ${points} points`, async () => {
      const res = await this.http.request({
        method: 'POST',
        path: '/write',
        params: { db: this.database, rp: retentionPolicy, precision: 'ns' },
        body,
        timeoutMs: this.options.timeoutMs,
        signal: this.options.signal,
      });
      await readAll(res);
    }).catch((error: unknown) => {
      if (!(error instanceof PermanentError)) throw error;
      const dropped = /dropped=(\d+)/.exec(error.message)?.[1];
      const count = dropped ? `${dropped} of ${points} points` : `a batch of ${points} points`;
      throw new PermanentError(`the destination rejected ${count}: ${error.message.replace(/^POST \/write answered /, '')}`);
    });
  }

  // Reach the server first through our own client: its errors name the cause (ECONNREFUSED, 401, a certificate).
  async ping(): Promise<void> {
    await this.retry('GET /ping', async () => {
      const res = await this.http.request({ method: 'GET', path: '/ping', params: {}, timeoutMs: this.options.timeoutMs, signal: this.options.signal });
      await readAll(res);
    });
    // /ping needs no credentials: ask something that does.
    await this.retry('SHOW DATABASES', async () => {
      const res = await this.http.request({ method: 'POST', path: '/query', params: { q: 'SHOW DATABASES' }, timeoutMs: this.options.timeoutMs, signal: this.options.signal });
      await readAll(res);
    });
  }

  async databases(): Promise<string[]> {
    return this.retry('SHOW DATABASES', () => this.admin.getDatabaseNames());
  }

  async createDatabase(): Promise<void> {
    await this.retry('CREATE DATABASE', () => this.admin.createDatabase(this.database));
  }

  async retentionPolicies(): Promise<RetentionPolicy[]> {
    const rows = await this.retry('SHOW RETENTION POLICIES', () => this.admin.showRetentionPolicies(this.database));
    return rows.map((r) => ({ name: r.name, duration: r.duration, shardGroupDuration: r.shardGroupDuration, replicaN: r.replicaN, default: r.default }));
  }

  // CREATE RETENTION POLICY with the shard duration, which the `influx` package's helper cannot set.
  async createRetentionPolicy(rp: RetentionPolicy): Promise<void> {
    const q = `CREATE RETENTION POLICY ${quoteIdent(rp.name)} ON ${quoteIdent(this.database)} DURATION ${rp.duration} REPLICATION ${rp.replicaN} SHARD DURATION ${rp.shardGroupDuration}${rp.default ? ' DEFAULT' : ''}`;
    await this.retry('CREATE RETENTION POLICY', () => this.admin.queryRaw(q));
  }

  async measurements(): Promise<string[]> {
    return this.retry('SHOW MEASUREMENTS', () => this.admin.getMeasurements(this.database));
  }

  // Field name → type, as the server stores it (a float holding 5.0 is still a float).
  async fieldTypes(rp: string, measurement: string): Promise<Map<string, FieldType>> {
    const rows = await this.retry('SHOW FIELD KEYS', () => this.admin.query<{ fieldKey: string; fieldType: FieldType }>(`SHOW FIELD KEYS FROM ${quoteIdent(rp)}.${quoteIdent(measurement)}`));
    const types = new Map<string, FieldType>();
    for (const r of rows) {
      const other = types.get(r.fieldKey);
      // SELECT * returns one type per field: values of the other type would be lost or rewritten. Refuse.
      if (other && other !== r.fieldType) {
        throw new PermanentError(`field "${r.fieldKey}" of ${measurement} [${rp}] is ${other} in some shards and ${r.fieldType} in others; it cannot be copied exactly (exclude the measurement, or rewrite the field)`);
      }
      types.set(r.fieldKey, r.fieldType);
    }
    return types;
  }

  // count(*) per field over [from, to): what `validate_data: true` compares.
  async countPerField(rp: string, measurement: string, from: bigint, to: bigint): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const statement = `SELECT count(*) FROM ${quoteIdent(rp)}.${quoteIdent(measurement)} WHERE time >= ${from} AND time < ${to}`;
    for await (const series of this.select(statement, 10_000)) {
      const row = series.values[0] ?? [];
      series.columns.forEach((column, i) => {
        if (i > 0) counts.set(column.replace(/^count_/, ''), Number(row[i] ?? 0));
      });
    }
    return counts;
  }

  // The first or last timestamp of a measurement in a retention policy, or undefined when it has no point.
  async edge(rp: string, measurement: string, which: 'first' | 'last', from?: bigint, to?: bigint): Promise<bigint | undefined> {
    const where = [from !== undefined ? `time >= ${from}` : '', to !== undefined ? `time < ${to}` : ''].filter(Boolean).join(' AND ');
    const statement = `SELECT * FROM ${quoteIdent(rp)}.${quoteIdent(measurement)}${where ? ` WHERE ${where}` : ''} ORDER BY time ${which === 'first' ? 'ASC' : 'DESC'} LIMIT 1`;
    for await (const series of this.select(statement, 1)) {
      const time = series.values[0]?.[0];
      if (time !== undefined && time !== null) return BigInt(time as number | bigint);
    }
    return undefined;
  }

  close(): void {
    this.http.close();
  }

  // Retried as the options say; a final failure names the side and the server, and is not retried again above.
  private async retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withRetries(() => abortable(fn(), this.options.signal), {
        retries: this.options.retries,
        signal: this.options.signal,
        isPermanent: (e) => isPermanent(e) || adminRefused(e),
        onRetry: (attempt, error) => this.options.onRetry?.(`${what} on the ${this.side}`, attempt, error),
      });
    } catch (error) {
      if (this.options.signal.aborted) throw error;
      const message = `${this.side} ${this.config.url}: ${error instanceof Error ? error.message : String(error)}`;
      throw Object.assign(isPermanent(error) || adminRefused(error) ? new PermanentError(message) : new RetriesExhausted(message), { cause: error });
    }
  }
}

// A request that failed after all its retries: the window around it is not tried again (retries would multiply).
export class RetriesExhausted extends Error {
  override name = 'RetriesExhausted';
}

// The `influx` package's answer to a refused statement (403, a bad query): final, like our own 4xx.
function adminRefused(error: unknown): boolean {
  const e = error as { name?: string; res?: { statusCode?: number } } | null;
  const status = e?.res?.statusCode ?? 0;
  return e?.name === 'ResultError' || (status >= 400 && status < 500);
}

// The `influx` package takes no abort signal: stop waiting for it when the run is stopped.
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error('stopped'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
