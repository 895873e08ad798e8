import { causedBy, withRetries } from '../../lib/retry.js';
import { bodyChunks, InfluxHttp, isPermanent, PermanentError, readAll, ServerError, Silence } from '../../lib/influx-http.js';
import { MsgpackError } from '../../lib/msgpack.js';
import { ErrorCode, PipelineError } from '../../core/errors.js';
import { answerSeries, answerTables, type SeriesRows, type Table } from './answer.js';
import { fromClause, Name, quoteIdent } from './names.js';
import type { ServerConfig } from './schema.js';
import { shardTimeNs, type Group } from './shards.js';

export interface RetentionPolicy {
  name: string;
  duration: string;
  shardGroupDuration: string;
  replicaN: number;
  default: boolean;
}

export type FieldType = 'float' | 'integer' | 'unsigned' | 'string' | 'boolean';

// Field key (its bytes as latin1 text) → the types it has in the shards of a measurement.
export type FieldTypes = Map<string, Set<FieldType>>;

export interface ServerOptions {
  timeoutMs: number;
  retries: number;
  signal: AbortSignal;
  onRetry?(what: string, attempt: number, error: unknown): void;
}

// How many requests in a row a server may leave unanswered, though it answers /ping, before it is taken for down.
const SILENCES_FOR_DOWN = 3;

// A request that failed after all its retries: the window around it is not tried again (retries would multiply).
export class RetriesExhausted extends PipelineError {
  constructor(
    message: string,
    options: { cause: unknown },
    /** The server still answers (a 5xx, or a /ping after a request it left unanswered): the failure is this request's. */
    readonly serverAnswers: boolean,
  ) {
    super(ErrorCode.InfluxRequest, message, options);
    this.name = 'RetriesExhausted';
  }
}

// The failures that are the server's, not one measurement's: it cannot be reached (no answer after every retry,
// not even to /ping), or it will not let this user in (401, 403). Every measurement stops; any other failure stops
// only its own.
export function serverFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof RetriesExhausted && !e.serverAnswers) return true;
    const status = (e as PermanentError).status;
    if (status === 401 || status === 403) return true;
  }
  return false;
}

// One side of a copy, over the 1.x HTTP API with msgpack answers: exact int64 and nanosecond epochs, names and
// strings as bytes, bounded memory (one chunk of an answer at a time). Credentials travel in a header.
export class InfluxServer {
  readonly http: InfluxHttp;

  constructor(
    /** "source" or "destination", for messages. */
    readonly side: string,
    readonly config: ServerConfig,
    private readonly options: ServerOptions,
  ) {
    this.http = new InfluxHttp(config);
  }

  get database(): string {
    return this.config.database;
  }

  // The series of one statement, streamed chunk by chunk; the request is retried, a stream cut midway is not (the
  // caller reads its window again), and says which server it came from.
  async *select(statement: string, chunkSize: number): AsyncGenerator<SeriesRows> {
    const res = await this.retry(`query ${statement.slice(0, 80)}`, () => this.query(statement, chunkSize));
    try {
      yield* answerSeries(bodyChunks(res, this.options.timeoutMs));
      this.answered();
    } catch (error) {
      if (error instanceof PermanentError || error instanceof MsgpackError || this.options.signal.aborted) throw error;
      const cause = error instanceof Error ? error.message : String(error);
      const where = `${this.side} ${this.config.url}`;
      // InfluxDB sends its headers before it runs a query: a slow query falls silent here, not before.
      if (!(error instanceof Silence)) throw new PipelineError(ErrorCode.InfluxRequest, `${where}: the answer broke off: ${cause}`, { cause: error });
      const up = this.unanswered(statement);
      const message = `${where}: ${cause} (a query slower than backup_config.timeout${up ? '' : `; ${this.silent.size} different ones in a row: the server is taken for down`})`;
      throw up ? new PipelineError(ErrorCode.InfluxRequest, message, { cause: error }) : new RetriesExhausted(message, { cause: error }, false);
    } finally {
      // Left early (an error, a stop): the rest of the answer is not wanted, nor its socket.
      if (!res.complete) res.destroy();
    }
  }

  // A small answer whole (SHOW …), retried as one request.
  async tables(statement: string, database = true): Promise<Table[]> {
    return this.retry(statement, async () => answerTables(bodyChunks(await this.query(statement, 10_000, database), this.options.timeoutMs)));
  }

  // Post one batch of line protocol; a point the server did not take fails the batch with its count and reason.
  async write(rp: string, body: Buffer, points: number): Promise<void> {
    await this.retry(`write of ${points} points`, async () => {
      const res = await this.http.request({ method: 'POST', path: '/write', params: { db: this.database, rp, precision: 'ns' }, body, timeoutMs: this.options.timeoutMs, signal: this.options.signal });
      await readAll(res, this.options.timeoutMs);
      this.answered();
      // Each batch is a request of its own: three in a row left unanswered mean a destination that is down.
    }, `write ${++this.writes}`).catch((error: unknown) => {
      if (!(error instanceof PermanentError) || serverFailure(error)) throw error;
      const dropped = /dropped=(\d+)/.exec(error.message)?.[1];
      throw new WriteRejected(dropped ? Number(dropped) : undefined, points, error.message.replace(/^.*?POST \/write answered \d+: /, ''));
    });
  }

  // Reach the server first: its errors name the cause (ECONNREFUSED, 401, a certificate).
  async ping(): Promise<void> {
    await this.retry('GET /ping', () => this.pong(this.options.timeoutMs));
    // /ping needs no credentials: ask something that does.
    await this.databases();
  }

  async databases(): Promise<string[]> {
    return column(await this.tables('SHOW DATABASES', false), 'name').map(String);
  }

  async createDatabase(): Promise<void> {
    await this.tables(`CREATE DATABASE ${quoteIdent(this.database)}`, false);
  }

  async retentionPolicies(): Promise<RetentionPolicy[]> {
    const [table] = await this.tables(`SHOW RETENTION POLICIES ON ${quoteIdent(this.database)}`, false);
    if (!table) return [];
    const at = (name: string) => table.columns.indexOf(name);
    return table.values.map((row) => ({
      name: String(row[at('name')]),
      duration: String(row[at('duration')]),
      shardGroupDuration: String(row[at('shardGroupDuration')]),
      replicaN: Number(row[at('replicaN')]),
      default: row[at('default')] === true,
    }));
  }

  async createRetentionPolicy(rp: RetentionPolicy, verb: 'CREATE' | 'ALTER' = 'CREATE'): Promise<void> {
    await this.tables(`${verb} RETENTION POLICY ${quoteIdent(rp.name)} ON ${quoteIdent(this.database)} DURATION ${rp.duration} REPLICATION ${rp.replicaN} SHARD DURATION ${rp.shardGroupDuration}${rp.default ? ' DEFAULT' : ''}`, false);
  }

  // Every measurement, with its name's bytes as stored.
  async measurements(): Promise<Name[]> {
    return column(await this.tables('SHOW MEASUREMENTS'), 'name').map((b) => new Name(b as Buffer));
  }

  // Field key (its bytes, as latin1 text to serve as a map key) → every type it has in some shard.
  async fieldTypes(rp: string, m: Name): Promise<FieldTypes> {
    return (await this.fieldTypesMatched(rp, m)).get(m.bytes.toString('latin1')) ?? new Map();
  }

  // The same for every measurement the FROM clause of `m` matches (see `sameRegex`), by name (latin1).
  async fieldTypesMatched(rp: string, m: Name): Promise<Map<string, FieldTypes>> {
    const all = new Map<string, FieldTypes>();
    for (const table of await this.tables(`SHOW FIELD KEYS FROM ${fromClause(rp, m)}`)) {
      const name = table.name.toString('latin1');
      if (!all.has(name)) all.set(name, new Map());
      const types = all.get(name)!;
      const [key, type] = [table.columns.indexOf('fieldKey'), table.columns.indexOf('fieldType')];
      for (const row of table.values) {
        const field = (row[key] as Buffer).toString('latin1');
        if (!types.has(field)) types.set(field, new Set());
        types.get(field)!.add(String(row[type]) as FieldType);
      }
    }
    return all;
  }

  // The shard groups of each retention policy, or undefined when this user may not list them (SHOW SHARDS is for admins).
  async shardGroups(): Promise<Map<string, Group[]> | undefined> {
    let tables: Table[];
    try {
      tables = await this.tables('SHOW SHARDS', false);
    } catch (error) {
      if (isPermanent(error) && !causedBy(error, RetriesExhausted)) return undefined;
      throw error;
    }
    const groups = new Map<string, Group[]>();
    const seen = new Set<string>();
    for (const table of tables) {
      const at = (name: string) => table.columns.indexOf(name);
      for (const row of table.values) {
        const [database, rp, group] = [String(row[at('database')]), String(row[at('retention_policy')]), String(row[at('shard_group')])];
        // A group has one row per shard.
        if (database !== this.database || seen.has(group)) continue;
        seen.add(group);
        if (!groups.has(rp)) groups.set(rp, []);
        groups.get(rp)!.push({ start: shardTimeNs(String(row[at('start_time')])), end: shardTimeNs(String(row[at('end_time')])) });
      }
    }
    return groups;
  }

  // The time of the first (or last) point of a measurement in [from, to), or undefined when it has none there.
  async edge(rp: string, m: Name, select: string, from: bigint, to: bigint, which: 'first' | 'last' = 'first'): Promise<bigint | undefined> {
    const statement = `SELECT ${select} FROM ${fromClause(rp, m)} WHERE time >= ${from} AND time < ${to} ORDER BY time ${which === 'first' ? 'ASC' : 'DESC'} LIMIT 1`;
    let found: bigint | undefined;
    for await (const { head, reader, rows } of this.select(statement, 10_000)) {
      for (let i = 0; i < rows; i++) {
        const row = reader.any() as unknown[];
        if (!m.equals(head.name)) continue;
        const time = BigInt(row[0] as number | bigint);
        if (found === undefined || (which === 'first' ? time < found : time > found)) found = time;
      }
    }
    return found;
  }

  close(): void {
    this.http.close();
  }

  private async query(statement: string, chunkSize: number, database = true) {
    const res = await this.http.request({
      method: 'POST',
      path: '/query',
      params: {},
      form: { ...(database ? { db: this.database } : {}), q: statement, epoch: 'ns', chunked: 'true', chunk_size: String(chunkSize) },
      headers: { Accept: 'application/x-msgpack' },
      timeoutMs: this.options.timeoutMs,
      signal: this.options.signal,
    });
    // InfluxDB before 1.4 ignores the Accept header and answers JSON.
    const type = String(res.headers['content-type'] ?? '');
    if (!type.includes('application/x-msgpack')) {
      res.resume();
      throw new PermanentError(`the ${this.side} answered "${type}" instead of msgpack: InfluxDB 1.4 or later is needed`);
    }
    return res;
  }

  // Retried as the options say; a final failure names the side and the server, and is not retried again above.
  private async retry<T>(what: string, fn: () => Promise<T>, key = what): Promise<T> {
    try {
      const result = await withRetries(fn, {
        retries: this.options.retries,
        signal: this.options.signal,
        isPermanent,
        onRetry: (attempt, error) => this.options.onRetry?.(`${what} on the ${this.side}`, attempt, error),
      });
      return result;
    } catch (error) {
      if (this.options.signal.aborted) throw error;
      const message = `${this.side} ${this.config.url}: ${error instanceof Error ? error.message : String(error)}`;
      if (error instanceof PermanentError) throw Object.assign(new PermanentError(message, error.status), { cause: error });
      // A request left unanswered may be one slow query on a server that is up: /ping tells them apart, unless the
      // server has left several requests in a row unanswered (it answers /ping without touching its engine).
      const silent = causedBy(error, Silence);
      const inRow = silent && !this.unanswered(key);
      const answers = causedBy(error, ServerError) || (silent && !inRow && (await this.pong(Math.min(this.options.timeoutMs, 10_000)).then(() => true, () => false)));
      throw new RetriesExhausted(inRow ? `${message} (${this.silent.size} requests in a row left unanswered: the server is taken for down)` : message, { cause: error }, answers);
    }
  }

  // The different requests left unanswered (after their retries), or whose answer stopped midway, since the last
  // query or write answered whole (SHOW … may still be answered by a server whose engine is stuck): one slow query
  // asked again and again counts once.
  private readonly silent = new Set<string>();
  private writes = 0;

  // Counts a request that fell silent; false once too many different ones have, in a row.
  private unanswered(request: string): boolean {
    this.silent.add(request);
    return this.silent.size < SILENCES_FOR_DOWN;
  }

  private answered(): void {
    this.silent.clear();
  }

  private async pong(timeoutMs: number): Promise<void> {
    await readAll(await this.http.request({ method: 'GET', path: '/ping', params: {}, timeoutMs, signal: this.options.signal }), timeoutMs);
  }
}

// The destination took only part of a batch (or none of it): how many it dropped, and its reason.
export class WriteRejected extends PermanentError {
  /** Points refused: the server's count (dropped=N), or the whole batch when it gave none. */
  readonly dropped: number;

  constructor(
    dropped: number | undefined,
    readonly points: number,
    readonly reason: string,
  ) {
    super(`the destination rejected ${dropped === undefined ? `a batch of ${points} points` : `${dropped} of ${points} points`}: ${reason}`);
    this.name = 'WriteRejected';
    this.dropped = dropped ?? points;
  }
}

function column(tables: Table[], name: string): unknown[] {
  return tables.flatMap((t) => t.values.map((row) => row[t.columns.indexOf(name)]));
}
