import { html, type Html } from './html.js';
import { niceTop, rate, type TrafficUnit } from './traffic.js';

const W = 760;
const H = 220;
/** The size of one day chart, for stacking them in one SVG file. */
export const DAY_CHART = { width: W, height: H };
const M = { left: 78, right: 22, top: 12, bottom: 26 };
const HOUR = 3600;
const TICK_HOURS = 3;

/** What a day chart draws: one interface's five-minute series, oldest first, and its two p95 lines. */
export interface ChartedDay {
  interface: string;
  unit: TrafficUnit;
  inP95?: number;
  outP95?: number;
  series: ReadonlyArray<{ epoch: number; in: number; out: number }>;
}

// MRTG's daily graph for one interface: the five-minute in and out averages as two lines, and the day's 95th
// percentile of each as a dashed line, over the hours of the day, drawn as inline SVG. `hourLabel` says an instant
// in the reader's zone (the console's, or the process's in a report file); given the day's first instant, the hours
// are marked every three from it, so that a zone a few hours off UTC still reads 03:00, 06:00 …
export function dayChart(i: ChartedDay, hourLabel: (epoch: number) => string, dayStart?: number): Html {
  const s = i.series;
  if (s.length === 0) return html`<p class="none">No samples stored for ${i.interface}.</p>`;
  const from = s[0]!.epoch;
  const to = Math.max(s.at(-1)!.epoch, from + 1);
  const top = niceTop(Math.max(...s.map((p) => Math.max(p.in, p.out)), i.inP95 ?? 0, i.outP95 ?? 0));
  const x = (epoch: number) => round(M.left + ((epoch - from) / (to - from)) * (W - M.left - M.right));
  const y = (v: number) => round(H - M.bottom - (v / top) * (H - M.top - M.bottom));
  const line = (pick: (p: (typeof s)[number]) => number) => s.map((p) => `${x(p.epoch)},${y(pick(p))}`).join(' ');
  const ticks: number[] = [];
  const origin = dayStart ?? 0;
  for (let t = origin + Math.ceil((from - origin) / (TICK_HOURS * HOUR)) * TICK_HOURS * HOUR; t <= to; t += TICK_HOURS * HOUR) ticks.push(t);
  const p95 = (value: number | undefined, cls: string, name: string, dy: number) =>
    value === undefined ? '' : html`<line class="${cls}" x1="${M.left}" x2="${W - M.right}" y1="${y(value)}" y2="${y(value)}" stroke-dasharray="6 4" stroke="${cls === 'p95-in' ? '#1b7a1b' : '#1f4fb5'}"/><text class="p95-label" x="${W - M.right - 4}" y="${labelY(y(value) + dy)}" text-anchor="end" font-size="11">${name} ${rate(value, i.unit)}</text>`;
  return html`<svg class="day-chart" role="img" aria-label="${i.interface}: in and out over the day" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" data-interface="${i.interface}">
<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="#fff" stroke="#ccc"/>
${[0, 0.5, 1].map((f) => html`<text class="y-label" x="${M.left - 6}" y="${y(top * f) + 4}" text-anchor="end" font-size="11">${rate(top * f, i.unit)}</text>`)}
${ticks.map((t) => html`<text class="x-label" x="${x(t)}" y="${H - 8}" text-anchor="middle" font-size="11">${hourLabel(t)}</text>`)}
<polyline class="series-in" data-points="${s.length}" points="${line((p) => p.in)}" fill="none" stroke="#2ca02c" stroke-width="1.2"/>
<polyline class="series-out" data-points="${s.length}" points="${line((p) => p.out)}" fill="none" stroke="#1f4fb5" stroke-width="1.2"/>
${p95(i.inP95, 'p95-in', 'p95 in', -4)}${p95(i.outP95, 'p95-out', 'p95 out', 12)}
</svg>`;
}

// A label by its line, kept inside the plot (a line at 0 would put it among the hours).
const labelY = (y: number) => Math.min(Math.max(y, M.top + 12), H - M.bottom - 4);

const round = (n: number) => Math.round(n * 10) / 10;
