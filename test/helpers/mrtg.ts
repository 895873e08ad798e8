// MRTG rateup logs with values the tests choose: line 1, 600 five-minute rows, then coarser rows, newest first.
export type Row = [avgIn: number, avgOut: number, maxIn: number, maxOut: number];

// `now` is the newest row's epoch (a multiple of 300); `at(epoch)` gives a row, or null for a missing one.
export function mrtgLog(now: number, at: (epoch: number) => Row | null): string {
  const lines = [`${now} 123456789 987654321`];
  let t = now;
  for (let i = 0; i < 600; i++, t -= 300) {
    const row = at(t);
    if (row) lines.push(`${t} ${row.join(' ')}`);
  }
  // The 30-minute section: MRTG's averages over longer intervals (values the day must never pick up).
  for (let i = 0; i < 600; i++, t -= 1800) lines.push(`${t} 7 7 7 7`);
  return `${lines.join('\n')}\n`;
}
