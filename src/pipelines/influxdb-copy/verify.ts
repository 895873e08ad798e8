import type { IntegrityCheck } from '../../core/pipeline.js';
import { formatNs } from './duration.js';
import { LineBuffer } from './lines.js';
import { fromClause, type Name } from './names.js';
import { probeSelect, readLines, sourceOf, unionTypes } from './read.js';
import { projection, readableStretches, type StretchFields } from './stretch.js';
import { segments } from './segments.js';
import type { InfluxServer } from './server.js';
import type { ShardLayout } from './shards.js';

export interface VerifiedRange {
  rp: string;
  measurement: Name;
  from: bigint;
  to: bigint;
}

export type Verification = 'count' | 'checksum';

// What one side holds of a measurement over a range.
export interface Holding {
  /** Field values per field (count), or points (checksum). */
  perField: Map<string, number>;
  /** Order-independent: per series and field counts (count), or every point's line (checksum). */
  digest: string;
}

// Compare what each side holds over the range copied. Each side is read from its own shard groups, one group at a
// time (a field keeps one type per group), and where its own points are, so a point the destination holds in a
// stretch the source has none in counts too. `count`: field values per field and a digest of the counts per series;
// `checksum`: a digest of every point's line, bytes and types included.
export async function verifyItem(src: InfluxServer, dst: InfluxServer, range: VerifiedRange, layouts: [ShardLayout, ShardLayout], how: Verification, pageSize: number, onPoints: (n: number) => void): Promise<IntegrityCheck> {
  const [expected, actual] = await Promise.all([hold(src, range, layouts[0], how, pageSize, onPoints), hold(dst, range, layouts[1], how, pageSize, onPoints)]);
  let missing = 0;
  let extra = 0;
  const differing: string[] = [];
  for (const field of new Set([...expected.perField.keys(), ...actual.perField.keys()])) {
    const e = expected.perField.get(field) ?? 0;
    const a = actual.perField.get(field) ?? 0;
    if (e !== a) differing.push(`${how === 'count' ? `${showField(field)}: ` : ''}${e} → ${a}`);
    missing += Math.max(0, e - a);
    extra += Math.max(0, a - e);
  }
  const sum = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);
  const span = `from ${formatNs(range.from)} to ${formatNs(range.to)}`;
  const detail = differing.length
    ? how === 'count' ? `field values counted ${span} differ: ${differing.join(', ')}` : `the points ${span} differ: ${differing.join(', ')} points`
    : expected.digest !== actual.digest
      ? how === 'count' ? `the same counts ${span}, but not in the same series (a name or a tag changed on the way)` : `the points ${span} differ`
      : undefined;
  const name = `${how} ${range.measurement.text} [${range.rp}]`;
  if (how === 'count') return { name, ok: !detail, expected: sum(expected.perField), actual: sum(actual.perField), missing, extra, ...(detail ? { detail } : {}) };
  const points = (h: Holding) => h.perField.get('') ?? 0;
  return { name, ok: !detail, expected: `${points(expected)} points, ${expected.digest}`, actual: `${points(actual)} points, ${actual.digest}`, missing, extra, ...(detail ? { detail } : {}) };
}

// What one side holds of a measurement over a range: counts per field and their digest, or (checksum) its points
// and a digest of every line.
export async function hold(server: InfluxServer, range: VerifiedRange, layout: ShardLayout, how: Verification, pageSize: number, onPoints: (n: number) => void): Promise<Holding> {
  const { rp, measurement: m } = range;
  // Its own field types, and those of what its queries also read (names InfluxQL cannot quote).
  const matched = await server.fieldTypesMatched(rp, m);
  const fields: StretchFields = { own: matched.get(m.bytes.toString('latin1')) ?? new Map(), read: unionTypes(matched.values()) };
  const select = probeSelect(fields.read);
  const listed = layout.nextStart !== undefined;
  // One shard group at a time (each query stays small, whatever the history), where this side's points are.
  const groups = segments((from, to) => server.edge(rp, m, select, from, to), layout, range.from, range.to, range.to - range.from);
  const perField = new Map<string, number>();
  const digest = new Digest();
  const source = sourceOf(rp, m, fields.own);
  const out = new LineBuffer(64 * 1024);
  let points = 0;
  let unreported = 0;
  for await (const group of groups) for (const stretch of await readableStretches(server, rp, m, fields, group, listed)) {
    const { refs } = stretch;
    if (how === 'checksum') {
      points += await readLines(server, source, stretch, pageSize, out, () => {
        digest.add(out.buf, 0, out.length - 1);
        out.clear();
        // The progress moves as the points are read, not once per (possibly huge) query.
        if (++unreported === 10_000) onPoints(unreported), (unreported = 0);
      });
      continue;
    }
    const counted = refs ? refs.map((r) => `count(${projection([r])})`).join(', ') : 'count(*)';
    const statement = `SELECT ${counted} FROM ${fromClause(rp, m)} WHERE time >= ${stretch.from} AND time < ${stretch.to} GROUP BY *`;
    for await (const { head, reader, rows } of server.select(statement, 10_000)) {
      const series = m.equals(head.name) ? seriesDigest(head.name, head.tags) : undefined;
      // The field of each column: count_<field> for count(*), the field asked for in that place otherwise.
      const fieldOf = (c: number) => (refs ? refs[c - 1]!.field : head.columns[c]!.subarray(6));
      for (let i = 0; i < rows; i++) {
        const row = reader.any() as unknown[];
        if (!series) continue;
        for (let c = 1; c < row.length; c++) {
          const count = Number(row[c] ?? 0);
          if (count === 0) continue;
          const field = fieldOf(c);
          perField.set(field.toString('latin1'), (perField.get(field.toString('latin1')) ?? 0) + count);
          series.addCount(field, count, digest);
          onPoints(count);
        }
      }
    }
  }
  if (how === 'checksum') {
    onPoints(unreported);
    perField.set('', points);
  }
  return { perField, digest: digest.value };
}

const showField = (latin1: string) => Buffer.from(latin1, 'latin1').toString('utf8');

// Two 32-bit sums of per-item hashes (FNV-1a and djb2): independent of order and of how the reads were cut.
export class Digest {
  private a = 0;
  private b = 0;

  // The bytes of one line.
  add(bytes: Buffer, start: number, end: number): void {
    const [h1, h2] = hashBytes(bytes, start, end, 0x811c9dc5, 5381);
    this.a = (this.a + h1) >>> 0;
    this.b = (this.b + h2) >>> 0;
  }

  // A count weighs its series-and-field hash: a series' count cut over several reads adds up to the same digest.
  addWeighted(h1: number, h2: number, weight: number): void {
    this.a = (this.a + Math.imul(h1 | 1, weight >>> 0)) >>> 0;
    this.b = (this.b + Math.imul(h2 | 1, weight >>> 0)) >>> 0;
  }

  get value(): string {
    return `${this.a.toString(16).padStart(8, '0')}${this.b.toString(16).padStart(8, '0')}`;
  }
}

// The hash state of a series (its name and its tags sorted by key), extended by each field's name.
function seriesDigest(name: Buffer, tags: Array<[Buffer, Buffer]>) {
  let [h1, h2] = hashBytes(name, 0, name.length, 0x811c9dc5, 5381);
  for (const [k, v] of tags.filter(([, v]) => v.length > 0).sort(([a], [b]) => Buffer.compare(a, b))) {
    [h1, h2] = hashBytes(k, 0, k.length, h1 ^ 0x2c, h2);
    [h1, h2] = hashBytes(v, 0, v.length, h1 ^ 0x3d, h2);
  }
  return {
    addCount(field: Buffer, count: number, digest: Digest) {
      const [f1, f2] = hashBytes(field, 0, field.length, h1 ^ 0x20, h2);
      digest.addWeighted(f1, f2, count);
    },
  };
}

function hashBytes(bytes: Buffer, start: number, end: number, h1: number, h2: number): [number, number] {
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    h1 = Math.imul(h1 ^ c, 16777619);
    h2 = (Math.imul(h2, 33) + c) | 0;
  }
  return [h1 >>> 0, h2 >>> 0];
}
