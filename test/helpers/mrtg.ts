// MRTG rateup logs with values the tests choose: line 1, 600 five-minute rows, then coarser rows, newest first.
export type Row = [avgIn: number, avgOut: number, maxIn: number, maxOut: number];

// `now` is the newest row's epoch (a multiple of 300); `at(epoch)` gives a row, or null for a missing one.
// `coarse` is every row of the 30-minute section (values the day must never pick up); `counters` is line 1's.
export function mrtgLog(now: number, at: (epoch: number) => Row | null, options: { coarse?: Row; counters?: string } = {}): string {
  const lines = [`${now} ${options.counters ?? '123456789 987654321'}`];
  let t = now;
  for (let i = 0; i < 600; i++, t -= 300) {
    const row = at(t);
    if (row) lines.push(`${t} ${row.join(' ')}`);
  }
  const coarse = (options.coarse ?? [7, 7, 7, 7]).join(' ');
  for (let i = 0; i < 600; i++, t -= 1800) lines.push(`${t} ${coarse}`);
  return `${lines.join('\n')}\n`;
}

// A log as rateup writes it when it starts one at `created`: every row before is a row of 0 (its whole history,
// the coarse sections too), and `at(epoch)` gives the rows measured since.
export function newMrtgLog(now: number, created: number, at: (epoch: number) => Row): string {
  return mrtgLog(now, (e) => (e > created ? at(e) : [0, 0, 0, 0]), { coarse: [0, 0, 0, 0] });
}
