// Whole numbers written as decimal digits straight into a buffer: the raw files and the stored samples hold
// thousands of them per interface, and a string for each cost the scan more in garbage collection than the writing.

const ZERO = 0x30;

// The decimal digits of a whole number from 0 to 2^53 − 1 at `at`; returns where they end. Below 2^31 (epochs until
// 2038, and most rates) in 32-bit integers, where dividing by 10 is a multiplication: twice as fast as the general
// case below, which took 6% of the scan's CPU in a profile. (Below 2^53, Math.floor(n / 10) is exact: n / 10 is within 1/8
// of its true value, never across the next integer.)
export function writeWhole(out: Buffer, at: number, n: number): number {
  if (n <= INT32_MAX) {
    let x = n | 0;
    const end = at + (x < 10 ? 1 : x < 100 ? 2 : x < 1e3 ? 3 : x < 1e4 ? 4 : x < 1e5 ? 5 : x < 1e6 ? 6 : x < 1e7 ? 7 : x < 1e8 ? 8 : x < 1e9 ? 9 : 10);
    for (let k = end - 1; k >= at; k--) {
      const q = (x / 10) | 0;
      out[k] = ZERO + x - q * 10;
      x = q;
    }
    return end;
  }
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let k = at + digits - 1; k >= at; k--) {
    out[k] = ZERO + (n % 10);
    n = Math.floor(n / 10);
  }
  return at + digits;
}

const INT32_MAX = 0x7fffffff;
