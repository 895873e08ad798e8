import type { FieldType } from './server.js';

const BACKSLASH = 0x5c;

// The field keys of one line of line protocol (unescaped, as latin1 text) and each value's type, read from how the
// value is written: "…" a string, 1i an integer, 1u an unsigned, t/true/f/false a boolean, else a float.
export function fieldTypesOfLine(buf: Buffer, start: number, end: number, onField: (field: string, type: FieldType) => void): void {
  let i = start;
  // The series key ends at the first space that is not escaped.
  while (i < end && buf[i] !== 0x20) i += buf[i] === BACKSLASH ? 2 : 1;
  while (i < end) {
    i++; // the space or comma before the key
    const key: number[] = [];
    while (i < end && buf[i] !== 0x3d) {
      if (buf[i] === BACKSLASH && i + 1 < end) i++;
      key.push(buf[i++]!);
    }
    i++; // =
    let type: FieldType;
    if (buf[i] === 0x22) {
      type = 'string';
      for (i++; i < end && buf[i] !== 0x22; i++) if (buf[i] === BACKSLASH) i++;
      i++;
    } else {
      const from = i;
      while (i < end && buf[i] !== 0x2c && buf[i] !== 0x20) i++;
      const last = buf[i - 1];
      const first = buf[from];
      type = last === 0x69 ? 'integer' : last === 0x75 ? 'unsigned' : first === 0x74 || first === 0x54 || first === 0x66 || first === 0x46 ? 'boolean' : 'float';
    }
    onField(Buffer.from(key).toString('latin1'), type);
    if (buf[i] !== 0x2c) break;
  }
}
