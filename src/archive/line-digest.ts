import { hash } from 'node:crypto';

// The checksum of an object's lines, independent of their order: the sum, modulo 2^64, of the first 8 bytes
// (big-endian) of each line's SHA-256, the line without its newline. Sums add up: the checksum of two sets of lines
// is the sum of theirs.
export const CHECKSUM_ALGORITHM = 'sum64-sha256';

const TWO_32 = 2 ** 32;

export class LineDigest {
  private hi = 0;
  private lo = 0;
  lines = 0;

  add(bytes: Buffer, start: number, end: number): void {
    const h = hash('sha256', bytes.subarray(start, end), 'buffer') as unknown as Buffer;
    this.lo += h.readUInt32BE(4);
    if (this.lo >= TWO_32) {
      this.lo -= TWO_32;
      this.hi += 1;
    }
    this.hi = (this.hi + h.readUInt32BE(0)) % TWO_32;
    this.lines++;
  }

  // Adds the lines another digest has seen.
  merge(other: LineDigest): void {
    this.lo += other.lo;
    if (this.lo >= TWO_32) {
      this.lo -= TWO_32;
      this.hi += 1;
    }
    this.hi = (this.hi + other.hi) % TWO_32;
    this.lines += other.lines;
  }

  get value(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}
