const UNIT_NS: Record<string, bigint> = { ns: 1n, us: 1000n, 'µs': 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n, d: 86_400_000_000_000n, w: 604_800_000_000_000n };

// "10m" → nanoseconds. The schema has already checked the form.
export function durationNs(text: string): bigint {
  const m = /^([0-9]+)(ns|us|µs|ms|s|m|h|d|w)$/.exec(text);
  if (!m) throw new Error(`expected a duration such as "10m", got "${text}"`);
  return BigInt(m[1]!) * UNIT_NS[m[2]!]!;
}

// RFC 3339 with up to nanoseconds → nanoseconds since the epoch, exactly. A day that does not exist (February 30)
// or a leap second (InfluxDB has none) is refused, not moved to another time.
export function timeNs(text: string): bigint {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(?:Z|([+-])(\d\d):(\d\d))$/i.exec(text);
  if (!m) throw new Error(`expected an RFC 3339 time such as "2026-01-01T00:00:00Z", got "${text}"`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const offset = m[8] ? (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10])) : 0;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (month < 1 || month > 12 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59 || Number(m[9] ?? 0) > 23 || Number(m[10] ?? 0) > 59) {
    throw new Error(`"${text}" is not a time that exists (a leap second, or a day the month does not have)`);
  }
  const ms = date.getTime() + ((hour * 60 + minute - offset) * 60 + second) * 1000;
  return BigInt(ms) * 1_000_000n + BigInt((m[7] ?? '').padEnd(9, '0'));
}

// Nanoseconds → RFC 3339 with nanoseconds, for log lines and messages.
export function formatNs(ns: bigint): string {
  // Floored, so that a time before 1970 keeps a positive fraction of a second.
  let seconds = ns / 1_000_000_000n;
  let rest = ns % 1_000_000_000n;
  if (rest < 0n) (rest += 1_000_000_000n), (seconds -= 1n);
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return rest === 0n ? `${base}Z` : `${base}.${String(rest).padStart(9, '0').replace(/0+$/, '')}Z`;
}
