// InfluxDB 1.x line protocol, written exactly: escaping per element, field types from the source's schema.
export type FieldType = 'float' | 'integer' | 'string' | 'boolean' | 'unsigned';

// InfluxDB 1.x unescapes only "\," and "\ " in a measurement name: a backslash is written as it is.
const escapeMeasurement = (s: string) => s.replace(/[, ]/g, '\\$&');
const escapeKey = (s: string) => s.replace(/[,= ]/g, '\\$&');
const escapeString = (s: string) => s.replace(/[\\"]/g, '\\$&');

// "cpu,host=a\ b" — the series part of every line, built once per series. Empty tags do not exist in InfluxDB.
export function seriesPrefix(measurement: string, tags: Record<string, string> | undefined): string {
  let prefix = escapeMeasurement(measurement);
  if (!tags) return prefix;
  for (const key of Object.keys(tags).sort()) {
    const value = tags[key];
    if (value) prefix += `,${escapeKey(key)}=${escapeKey(value)}`;
  }
  return prefix;
}

// One field value as line protocol; a float that holds a whole number stays a float (no `i`).
export function fieldValue(value: unknown, type: FieldType | undefined): string {
  switch (typeof value) {
    case 'bigint':
      return type === 'unsigned' ? `${value}u` : type === 'float' ? `${value}` : `${value}i`;
    case 'number':
      if (type === 'integer') return `${value}i`;
      if (type === 'unsigned') return `${value}u`;
      // The shortest text that reads back as the same double ("5" is a float in line protocol); -0 stays -0.
      return Object.is(value, -0) ? '-0' : String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return `"${escapeString(value)}"`;
    default:
      throw new Error(`cannot write a field value of type ${typeof value}`);
  }
}

// A row of `SELECT * … GROUP BY *` (time first, then fields) as one line; undefined when it has no field.
export function rowToLine(prefix: string, fieldNames: readonly string[], types: readonly (FieldType | undefined)[], row: readonly unknown[]): string | undefined {
  let fields = '';
  for (let i = 1; i < row.length; i++) {
    const value = row[i];
    if (value === null || value === undefined) continue;
    fields += `${fields ? ',' : ''}${fieldNames[i]}=${fieldValue(value, types[i])}`;
  }
  return fields ? `${prefix} ${fields} ${row[0]}` : undefined;
}

export function escapeFieldKey(key: string): string {
  return escapeKey(key);
}
