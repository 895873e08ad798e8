// Lines of line protocol as InfluxDB's parser cuts them (models/points.go scanLine): a line break ends a line unless
// it follows a backslash or stands inside a quoted string field, where the copy writes it as it is.
export async function eachLine(stream: AsyncIterable<Buffer>, onLine: (buf: Buffer, start: number, end: number) => void | Promise<void>): Promise<void> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of stream) {
    const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let end = lineEnd(buf, start); end >= 0; end = lineEnd(buf, start)) {
      if (end > start) {
        const pending = onLine(buf, start, end);
        if (pending) await pending;
      }
      start = end + 1;
    }
    rest = buf.subarray(start);
  }
  if (rest.length) {
    const pending = onLine(rest, 0, rest.length);
    if (pending) await pending;
  }
}

// Where the line starting at `start` ends (its newline), or -1 when the buffer holds no whole line from there.
function lineEnd(buf: Buffer, start: number): number {
  let fields = false;
  let quoted = false;
  let equals = 0;
  for (let i = start; i < buf.length; i++) {
    const b = buf[i]!;
    if (b === 0x5c) {
      // An escape: the next byte is taken as it is. A backslash at the very end waits for the next chunk.
      if (i + 1 >= buf.length) return -1;
      i++;
      continue;
    }
    if (b === 0x20) fields = true;
    if (fields) {
      if (!quoted && b === 0x3d) {
        equals++;
        continue;
      }
      if (b === 0x22 && equals > 0) {
        quoted = !quoted;
        continue;
      }
    }
    if (b === 0x0a && !quoted) return i;
  }
  return -1;
}
