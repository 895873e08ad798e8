// A write body built in place: each line is encoded into one buffer as soon as it is made, so no line
// outlives its row (held in an array until the flush, lines were promoted to V8's old generation).
export class Batch {
  private buffer: Buffer;
  private length = 0;
  points = 0;

  constructor(private readonly capacity: number) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  // Adds the line when it fits; false means: flush first (an empty batch always takes it, growing if it must).
  add(line: string): boolean {
    const need = Buffer.byteLength(line) + 1;
    if (this.length + need > this.buffer.length) {
      if (this.points > 0) return false;
      this.buffer = Buffer.allocUnsafe(need);
    }
    this.length += this.buffer.write(line, this.length);
    this.buffer[this.length++] = 10;
    this.points++;
    return true;
  }

  get bytes(): number {
    return this.length;
  }

  // The body to send (without the last newline); the batch starts over with a new buffer.
  take(): Buffer {
    const body = this.buffer.subarray(0, Math.max(0, this.length - 1));
    this.buffer = Buffer.allocUnsafe(this.capacity);
    this.length = 0;
    this.points = 0;
    return body;
  }
}
