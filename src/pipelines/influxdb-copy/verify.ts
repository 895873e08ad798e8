import type { IntegrityCheck } from '../types.js';
import { formatNs } from './duration.js';
import { eachLine } from './read.js';
import type { InfluxServer } from './server.js';

export interface VerifiedRange {
  rp: string;
  measurement: string;
  from: bigint;
  to: bigint;
}

// Compare both sides over the range copied: counts per field, or a hash of every point.
export async function verifyItem(src: InfluxServer, dst: InfluxServer, item: VerifiedRange, how: 'count' | 'checksum', pageSize: number): Promise<IntegrityCheck> {
  return how === 'count' ? countCheck(src, dst, item) : checksumCheck(src, dst, item, pageSize);
}

async function countCheck(src: InfluxServer, dst: InfluxServer, item: VerifiedRange): Promise<IntegrityCheck> {
  const [expected, actual] = await Promise.all([src.countPerField(item.rp, item.measurement, item.from, item.to), dst.countPerField(item.rp, item.measurement, item.from, item.to)]);
  let missing = 0;
  let extra = 0;
  const differing: string[] = [];
  for (const field of new Set([...expected.keys(), ...actual.keys()])) {
    const e = expected.get(field) ?? 0;
    const a = actual.get(field) ?? 0;
    if (e !== a) differing.push(`${field}: ${e} → ${a}`);
    missing += Math.max(0, e - a);
    extra += Math.max(0, a - e);
  }
  const sum = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);
  return {
    name: `count ${item.measurement} [${item.rp}]`,
    ok: differing.length === 0,
    expected: sum(expected),
    actual: sum(actual),
    missing,
    extra,
    ...(differing.length ? { detail: `field values counted from ${formatNs(item.from)} to ${formatNs(item.to)} differ: ${differing.join(', ')}` } : {}),
  };
}

// An order-independent digest of the canonical line protocol of every point: two 32-bit sums of FNV-1a and djb2.
async function checksumCheck(src: InfluxServer, dst: InfluxServer, item: VerifiedRange, pageSize: number): Promise<IntegrityCheck> {
  const [expected, actual] = await Promise.all([digest(src, item, pageSize), digest(dst, item, pageSize)]);
  const ok = expected.points === actual.points && expected.hash === actual.hash;
  return {
    name: `checksum ${item.measurement} [${item.rp}]`,
    ok,
    expected: `${expected.points} points, ${expected.hash}`,
    actual: `${actual.points} points, ${actual.hash}`,
    missing: Math.max(0, expected.points - actual.points),
    extra: Math.max(0, actual.points - expected.points),
    ...(ok ? {} : { detail: `the points from ${formatNs(item.from)} to ${formatNs(item.to)} differ` }),
  };
}

async function digest(server: InfluxServer, item: VerifiedRange, pageSize: number): Promise<{ points: number; hash: string }> {
  const types = await server.fieldTypes(item.rp, item.measurement);
  let a = 0;
  let b = 0;
  const points = await eachLine(server, { ...item, types }, item, pageSize, (line) => {
    let h1 = 0x811c9dc5;
    let h2 = 5381;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 16777619);
      h2 = (Math.imul(h2, 33) + c) | 0;
    }
    a = (a + (h1 >>> 0)) >>> 0;
    b = (b + (h2 >>> 0)) >>> 0;
  });
  return { points, hash: `${a.toString(16).padStart(8, '0')}${b.toString(16).padStart(8, '0')}` };
}
