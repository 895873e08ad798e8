// The test oracle for exact copies: every point of a database as comparable text, read one shard group at a time
// (InfluxDB keeps a field's type per shard group, and a query across groups casts or drops the others) and decoded
// from msgpack by this small decoder of its own, which keeps what a copy must keep: each value's wire type (a
// float64 holding 5 is not an integer) and every name and string as raw bytes. It shares no code with the product.

type Value = Buffer | boolean | null | { float: number } | { int: bigint; unsigned: boolean } | Value[] | Array<[Value, Value]>;

interface Decoded {
  value: Value;
  end: number;
}

function decode(buf: Buffer, pos: number): Decoded {
  const b = buf[pos]!;
  const int = (int: bigint, unsigned: boolean, end: number): Decoded => ({ value: { int, unsigned }, end });
  if (b <= 0x7f) return int(BigInt(b), false, pos + 1);
  if (b >= 0xe0) return int(BigInt(b - 256), false, pos + 1);
  if (b >= 0xa0 && b <= 0xbf) return str(buf, pos + 1, b & 0x1f);
  if (b >= 0x90 && b <= 0x9f) return list(buf, pos + 1, b & 0x0f);
  if (b >= 0x80 && b <= 0x8f) return map(buf, pos + 1, b & 0x0f);
  switch (b) {
    case 0xc0: return { value: null, end: pos + 1 };
    case 0xc2: return { value: false, end: pos + 1 };
    case 0xc3: return { value: true, end: pos + 1 };
    case 0xca: return { value: { float: buf.readFloatBE(pos + 1) }, end: pos + 5 };
    case 0xcb: return { value: { float: buf.readDoubleBE(pos + 1) }, end: pos + 9 };
    case 0xcc: return int(BigInt(buf.readUInt8(pos + 1)), true, pos + 2);
    case 0xcd: return int(BigInt(buf.readUInt16BE(pos + 1)), true, pos + 3);
    case 0xce: return int(BigInt(buf.readUInt32BE(pos + 1)), true, pos + 5);
    case 0xcf: return int(buf.readBigUInt64BE(pos + 1), true, pos + 9);
    case 0xd0: return int(BigInt(buf.readInt8(pos + 1)), false, pos + 2);
    case 0xd1: return int(BigInt(buf.readInt16BE(pos + 1)), false, pos + 3);
    case 0xd2: return int(BigInt(buf.readInt32BE(pos + 1)), false, pos + 5);
    case 0xd3: return int(buf.readBigInt64BE(pos + 1), false, pos + 9);
    case 0xd9: return str(buf, pos + 2, buf.readUInt8(pos + 1));
    case 0xda: return str(buf, pos + 3, buf.readUInt16BE(pos + 1));
    case 0xdb: return str(buf, pos + 5, buf.readUInt32BE(pos + 1));
    case 0xdc: return list(buf, pos + 3, buf.readUInt16BE(pos + 1));
    case 0xdd: return list(buf, pos + 5, buf.readUInt32BE(pos + 1));
    case 0xde: return map(buf, pos + 3, buf.readUInt16BE(pos + 1));
    case 0xdf: return map(buf, pos + 5, buf.readUInt32BE(pos + 1));
    default: throw new Error(`test decoder: unexpected msgpack byte 0x${b.toString(16)}`);
  }
}

const str = (buf: Buffer, start: number, length: number): Decoded => ({ value: Buffer.from(buf.subarray(start, start + length)), end: start + length });

function list(buf: Buffer, pos: number, n: number): Decoded {
  const value: Value[] = [];
  for (let i = 0; i < n; i++) {
    const d = decode(buf, pos);
    value.push(d.value);
    pos = d.end;
  }
  return { value, end: pos };
}

function map(buf: Buffer, pos: number, n: number): Decoded {
  const value: Array<[Value, Value]> = [];
  for (let i = 0; i < n; i++) {
    const k = decode(buf, pos);
    const v = decode(buf, k.end);
    value.push([k.value, v.value]);
    pos = v.end;
  }
  return { value, end: pos };
}

// Bytes as text: printable ASCII as it is, everything else (and the backslash) as \xHH.
export const bytesText = (b: Buffer) => [...b].map((c) => (c >= 0x20 && c < 0x7f && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`)).join('');

const get = (m: Value, key: string) => (m as Array<[Value, Value]>).find(([k]) => Buffer.isBuffer(k) && k.toString() === key)?.[1];

// One field value with its type, as the server sent it.
function typed(v: Value): string {
  if (Buffer.isBuffer(v)) return `string=${bytesText(v)}`;
  if (typeof v === 'boolean') return `boolean=${v}`;
  if (v && 'float' in v) return `float=${Object.is(v.float, -0) ? '-0' : String(v.float)}`;
  if (v && 'int' in v) return `${v.unsigned ? 'unsigned' : 'integer'}=${v.int}`;
  throw new Error(`test decoder: unexpected field value ${JSON.stringify(v)}`);
}

// Each top-level msgpack object of a chunked answer.
function* objects(body: Buffer): Generator<Value> {
  for (let pos = 0; pos < body.length; ) {
    const { value, end } = decode(body, pos);
    yield value;
    pos = end;
  }
}

// Every point of one retention policy: "<measurement> <sorted tags> <time> <field>:<type>=<value>,…", sorted. Read
// per measurement (a query over several merges their field types) and per shard group (one type per field there).
export async function dumpPoints(url: string, db: string, rp: string, headers: Record<string, string>): Promise<string[]> {
  const query = async (q: string, accept: string) => {
    const res = await fetch(`${url}/query`, { method: 'POST', headers: { ...headers, Accept: accept, 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ db, q, epoch: 'ns', chunked: 'true', chunk_size: '5000' }) });
    return Buffer.from(await res.arrayBuffer());
  };
  const shards = JSON.parse((await query('SHOW SHARDS', 'application/json')).toString()) as { results: Array<{ series?: Array<{ name: string; columns: string[]; values?: unknown[][] }> }> };
  const groups = new Map<string, [bigint, bigint]>();
  for (const s of shards.results[0]!.series ?? []) {
    if (s.name !== db) continue;
    const at = (c: string) => s.columns.indexOf(c);
    for (const row of s.values ?? []) {
      if (row[at('retention_policy')] !== rp) continue;
      // SHOW SHARDS shows whole seconds: the first group starts before MinNanoTime, the last ends after MaxNanoTime.
      const ns = (t: unknown) => BigInt(Date.parse(String(t))) * 1_000_000n;
      const start = ns(row[at('start_time')]);
      const end = ns(row[at('end_time')]);
      groups.set(String(row[at('shard_group')]), [start < -9223372036854775806n ? -9223372036854775806n : start, end >= 9223372036854000000n ? 9223372036854775807n : end]);
    }
  }
  const names: Buffer[] = [];
  for (const chunk of objects(await query('SHOW MEASUREMENTS', 'application/x-msgpack'))) {
    for (const result of (get(chunk, 'results') as Value[]) ?? []) for (const series of (get(result, 'series') as Value[]) ?? []) for (const row of get(series, 'values') as Value[][]) names.push(row[0] as Buffer);
  }
  const ident = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const out = new Set<string>();
  const plain = (b: Buffer) => /^[\x20-\x7e\x80-\xff]*$/.test(b.toString('latin1')) && Buffer.from(b.toString('utf8')).equals(b);
  for (const name of names) {
    // A name InfluxQL can quote is quoted; another is found by its leading printable ASCII (then only its series
    // count), and its fields are asked for with each of their types, since measurements read together merge them.
    const prefix = name.toString('latin1').match(/^[\x20-\x7e]*/)![0].replace(/[\\.+*?()|[\]{}^$/]/g, '\\$&');
    const from = plain(name) ? ident(name.toString('utf8')) : `/^${prefix}/`;
    let select = '*';
    let refs: string[] | undefined;
    if (!plain(name)) {
      const keys = new Set<string>();
      for (const chunk of objects(await query(`SHOW FIELD KEYS FROM ${ident(rp)}.${from}`, 'application/x-msgpack'))) {
        for (const result of (get(chunk, 'results') as Value[]) ?? []) for (const series of (get(result, 'series') as Value[]) ?? []) for (const row of get(series, 'values') as Buffer[][]) keys.add(`${row[0]!.toString('latin1')}\0${row[1]!.toString()}`);
      }
      const pairs = [...keys].sort().map((k) => k.split('\0') as [string, string]);
      // No field in this retention policy: no point either (another policy holds them).
      if (pairs.length === 0) continue;
      if (pairs.every(([f]) => plain(Buffer.from(f, 'latin1')))) {
        select = pairs.map(([f, t]) => `${ident(Buffer.from(f, 'latin1').toString('utf8'))}::${t}`).join(', ');
        refs = pairs.map(([f]) => bytesText(Buffer.from(f, 'latin1')));
      }
    }
    for (const [start, end] of groups.values()) {
      const body = await query(`SELECT ${select} FROM ${ident(rp)}.${from} WHERE time >= ${start} AND time < ${end} GROUP BY *`, 'application/x-msgpack');
      for (const line of seriesLines(body, db, refs)) if (line.name.equals(name)) out.add(line.text);
    }
  }
  return [...out].sort();
}

// The points of one answer, each with the raw name of its measurement.
function* seriesLines(body: Buffer, db: string, fieldNames?: string[]): Generator<{ name: Buffer; text: string }> {
  for (const chunk of objects(body)) {
    const error = get(chunk, 'error');
    if (error) throw new Error(`dump of ${db}: ${String(error)}`);
    for (const result of (get(chunk, 'results') as Value[]) ?? []) {
      if (get(result, 'error')) throw new Error(`dump of ${db}: ${String(get(result, 'error'))}`);
      for (const series of (get(result, 'series') as Value[]) ?? []) {
        const name = get(series, 'name') as Buffer;
        const tags = ((get(series, 'tags') as Array<[Buffer, Buffer]>) ?? [])
          .filter(([, v]) => v.length > 0)
          .sort(([a], [b]) => Buffer.compare(a, b))
          .map(([k, v]) => `${bytesText(k)}=${bytesText(v)}`)
          .join(',');
        const columns = fieldNames ? ['time', ...fieldNames] : (get(series, 'columns') as Buffer[]).map(bytesText);
        for (const row of get(series, 'values') as Value[][]) {
          const fields = row.slice(1).flatMap((v, i) => (v === null ? [] : [`${columns[i + 1]}:${typed(v)}`]));
          if (fields.length) yield { name, text: `${bytesText(name)} [${tags}] ${(row[0] as { int: bigint }).int} ${fields.join(',')}` };
        }
      }
    }
  }
}
