import { html, type Html } from './html.js';
import { niceTop, rate, type TrafficUnit } from './traffic.js';

// One interface over several days: a point per day for each of its daily figures.
export interface ChartedDayFigures {
  date: string;
  inAvg: number;
  inP95?: number;
  inMax: number;
  outAvg: number;
  outP95?: number;
  outMax: number;
}

const W = 760;
const H = 240;
const M = { left: 78, right: 22, top: 12, bottom: 40 };
/** The first and last day sit this far inside the plot, so that their dates are read whole. */
const INSET = 40;
/** At most this many dates written under the axis; the others are in each point's tooltip. */
const MAX_DATE_LABELS = 10;

// The six series: in green, out in blue; p95 solid, average thinner, maximum dotted.
export const DAY_FIGURE_SERIES = [
  { key: 'inP95', name: 'in p95', colour: '#1b7a1b', dash: '' },
  { key: 'inAvg', name: 'in avg', colour: '#7cc47c', dash: '' },
  { key: 'inMax', name: 'in max', colour: '#1b7a1b', dash: '2 3' },
  { key: 'outP95', name: 'out p95', colour: '#1f4fb5', dash: '' },
  { key: 'outAvg', name: 'out avg', colour: '#8aa6e0', dash: '' },
  { key: 'outMax', name: 'out max', colour: '#1f4fb5', dash: '2 3' },
] as const;

// The days evenly spaced, oldest left, from 0 to the largest value; one polyline and one circle (its tooltip the
// date and value) per day for each series, so that a single day still shows. Inline SVG, no script.
export function daysChart(days: readonly ChartedDayFigures[], unit: TrafficUnit, what: string): Html {
  if (days.length === 0) return html`<p class="none">No day stored for ${what}.</p>`;
  const values = days.flatMap((d) => DAY_FIGURE_SERIES.map((s) => d[s.key] ?? 0));
  const top = niceTop(Math.max(...values));
  const span = W - M.left - M.right;
  const inner = span - 2 * INSET;
  const x = (n: number) => round(M.left + INSET + (days.length === 1 ? inner / 2 : (n / (days.length - 1)) * inner));
  const y = (v: number) => round(H - M.bottom - (v / top) * (H - M.top - M.bottom));
  const every = Math.ceil(days.length / MAX_DATE_LABELS);
  const series = DAY_FIGURE_SERIES.map((s) => {
    const at = days.flatMap((d, n) => (d[s.key] === undefined ? [] : [{ x: x(n), y: y(d[s.key]!), title: `${d.date} ${s.name}: ${rate(d[s.key], unit)}` }]));
    return html`<g class="series series-${s.key}" data-series="${s.key}" data-points="${at.length}"><polyline points="${at.map((p) => `${p.x},${p.y}`).join(' ')}" fill="none" stroke="${s.colour}" stroke-width="1.5"${s.dash ? html` stroke-dasharray="${s.dash}"` : ''}/>${at.map((p) => html`<circle cx="${p.x}" cy="${p.y}" r="2.5" fill="${s.colour}"><title>${p.title}</title></circle>`)}</g>`;
  });
  const legend = DAY_FIGURE_SERIES.map((s, n) => html`<text class="legend" x="${M.left + n * 110}" y="${H - 6}" font-size="11" fill="${s.colour}">— ${s.name}</text>`);
  return html`<svg class="days-chart" role="img" aria-label="${what}: daily figures over ${days.length} day(s)" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" data-days="${days.length}">
<rect x="${M.left}" y="${M.top}" width="${span}" height="${H - M.top - M.bottom}" fill="#fff" stroke="#ccc"/>
${[0, 0.5, 1].map((f) => html`<text class="y-label" x="${M.left - 6}" y="${y(top * f) + 4}" text-anchor="end" font-size="11">${rate(top * f, unit)}</text>`)}
${days.map((d, n) => (n % every === 0 ? html`<text class="x-label" x="${x(n)}" y="${H - M.bottom + 14}" text-anchor="middle" font-size="11">${d.date}</text>` : ''))}
${series}
${legend}
</svg>`;
}

const round = (n: number) => Math.round(n * 10) / 10;
