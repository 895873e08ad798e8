import { PermanentError } from '../../lib/influx-http.js';
import { formatNs } from './duration.js';
import { fromClause, quotable, quoteIdent, showBytes, type Name } from './names.js';
import type { Segment } from './segments.js';
import type { FieldType, FieldTypes, InfluxServer } from './server.js';

// How to read one stretch of a measurement. `SELECT *` takes, for each field, one type over every shard group the
// stretch touches and every measurement the query names, and casts or drops the values of the others. It is exact
// where the stretch lies in one known shard group and the query names this measurement alone. Elsewhere (groups that
// overlap, groups computed without SHOW SHARDS, names read together with others) each field is asked for with its
// type: `"v"::string`. The types a field has there are counted first, which is exact for strings and booleans (no
// value is cast into them); integers and floats are cast into each other, so two numeric types of one field in one
// stretch cannot be told apart.
export interface StretchFields {
  /** The fields, with the types they have in this measurement's shards (SHOW FIELD KEYS). */
  own: FieldTypes;
  /** The same, over every measurement the query reads (with those whose names the same expression matches). */
  read: FieldTypes;
}

// A field of the projection, in order: its name's bytes and the type it is asked for (none: as `SELECT *` would).
export interface FieldRef {
  field: Buffer;
  type?: FieldType;
}

// Stretches whose values of one field InfluxQL cannot tell apart: they are not copied, and say why.
export class AmbiguousTypes extends PermanentError {
  constructor(window: Segment, why: string) {
    super(`from ${formatNs(window.group.start)} to ${formatNs(window.group.end)} ${why}: these points cannot be copied exactly, and are not copied`);
    this.name = 'AmbiguousTypes';
  }
}

// Values of a field of two kinds (string, boolean, number) in one stretch: shorter stretches may hold one each.
class MixedKinds extends AmbiguousTypes {}

// The stretches of `window` to read, each with its projection: where a field holds values of two kinds, the window
// is halved until each half holds one (a field has one type per shard group, and groups are spans of time), down to
// a single nanosecond. Empty stretches are left out.
export async function readableStretches(server: InfluxServer, rp: string, m: Name, fields: StretchFields, window: Segment, listed: boolean): Promise<Array<Segment & { refs?: FieldRef[] }>> {
  try {
    const refs = await stretchFields(server, rp, m, fields, window, listed);
    return refs?.length === 0 ? [] : [{ ...window, refs }];
  } catch (error) {
    if (!(error instanceof MixedKinds) || window.to - window.from < 2n) throw error;
    const middle = window.from + (window.to - window.from) / 2n;
    return [...(await readableStretches(server, rp, m, fields, { ...window, to: middle }, listed)), ...(await readableStretches(server, rp, m, fields, { ...window, from: middle }, listed))];
  }
}

const NUMERIC = new Set<FieldType>(['float', 'integer', 'unsigned']);

// The projection to read `window` with: undefined for `SELECT *`, else a field a type (see above).
export async function stretchFields(server: InfluxServer, rp: string, m: Name, fields: StretchFields, window: Segment, listed: boolean): Promise<FieldRef[] | undefined> {
  const several = [...fields.own].filter(([, t]) => t.size > 1);
  const readTogether = [...fields.own].some(([f, t]) => fields.read.get(f)!.size > t.size);
  const certain = listed && !window.group.overlapping;
  if (!readTogether && (several.length === 0 || certain)) return undefined;
  const why = [
    ...(certain ? [] : [listed ? "shard groups overlap (the retention policy's shard duration was changed while points were written)" : 'shard groups are computed, not listed (SHOW SHARDS needs an admin), so a query may read several']),
    ...(readTogether ? ['the query reads other measurements too (names InfluxQL cannot quote)'] : []),
  ].join(' and ');
  const unnamed = [...fields.own.keys()].filter((f) => !quotable(Buffer.from(f, 'latin1')));
  if (unnamed.length) throw new AmbiguousTypes(window, `${why}, and field ${unnamed.map((f) => `"${showBytes(Buffer.from(f, 'latin1'))}"`).join(', ')} cannot be named in InfluxQL`);
  const present = several.length ? await typesPresent(server, rp, m, several, window) : new Map<string, Set<FieldType>>();
  const refs: FieldRef[] = [];
  for (const [key, types] of fields.own) {
    const field = Buffer.from(key, 'latin1');
    if (types.size === 1) {
      refs.push({ field, type: [...types][0]! });
      continue;
    }
    const here = present.get(key) ?? types;
    const kinds = new Set([...here].map((t) => (NUMERIC.has(t) ? 'number' : t)));
    if (kinds.size === 0) continue;
    if (kinds.size > 1) throw new MixedKinds(window, `${why}, and field "${showBytes(field)}" holds ${[...kinds].join(' and ')} values at the same time`);
    const numeric = [...here].filter((t) => NUMERIC.has(t));
    if (numeric.length > 1) {
      // Without SHOW SHARDS the computed groups are trusted (the log says so); groups known to overlap are not.
      if (listed) throw new AmbiguousTypes(window, `${why}, and field "${showBytes(field)}" is ${numeric.join(' and ')} there, which InfluxQL casts into each other`);
      refs.push({ field });
      continue;
    }
    refs.push({ field, type: [...here][0]! });
  }
  return refs;
}

// The projection as InfluxQL: `"v"::string, "w"::float`.
export const projection = (refs: FieldRef[]): string => refs.map((r) => `${quoteIdent(r.field.toString('utf8'))}${r.type ? `::${r.type}` : ''}`).join(', ');

// Which of its types each field has values of in the stretch: `count("v"::string)` counts strings only, while a
// numeric count counts every number (cast), so the numeric types are all kept when any count is above zero.
async function typesPresent(server: InfluxServer, rp: string, m: Name, several: Array<[string, Set<FieldType>]>, window: Segment): Promise<Map<string, Set<FieldType>>> {
  const asked = several.flatMap(([field, types]) => [...types].map((type) => ({ field, type })));
  const statement = `SELECT ${asked.map(({ field, type }) => `count(${quoteIdent(Buffer.from(field, 'latin1').toString('utf8'))}::${type})`).join(', ')} FROM ${fromClause(rp, m)} WHERE time >= ${window.from} AND time < ${window.to}`;
  const present = new Map<string, Set<FieldType>>(several.map(([field]) => [field, new Set()]));
  for await (const { head, reader, rows } of server.select(statement, 10_000)) {
    for (let i = 0; i < rows; i++) {
      const row = reader.any() as unknown[];
      if (!m.equals(head.name)) continue;
      // Columns come in the order asked (count, count_1, …), after the time.
      asked.forEach(({ field, type }, k) => {
        if (Number(row[k + 1] ?? 0) > 0) present.get(field)!.add(type);
      });
    }
  }
  return present;
}
