import { html, type Html } from './html.js';

export interface SparkPoint {
  value: number;
  /** Said when the point is hovered: which run, what value. */
  label: string;
  /** A point of a run that did not succeed is drawn apart. */
  bad?: boolean;
}

const WIDTH = 160;
const HEIGHT = 32;
const PAD = 3;

// A small inline SVG line, one circle per point (oldest left), scaled from 0 to the largest value; rendered here
// so that the page needs no script and no network.
export function sparkline(points: SparkPoint[], what: string): Html {
  if (points.length === 0) return html`<span class="none">no ${what}</span>`;
  const top = Math.max(...points.map((p) => p.value), 0) || 1;
  const step = points.length > 1 ? (WIDTH - 2 * PAD) / (points.length - 1) : 0;
  const at = points.map((p, i) => ({ ...p, x: round(PAD + (points.length > 1 ? i * step : (WIDTH - 2 * PAD) / 2)), y: round(HEIGHT - PAD - (p.value / top) * (HEIGHT - 2 * PAD)) }));
  const line = at.map((p) => `${p.x},${p.y}`).join(' ');
  return html`<svg class="sparkline" role="img" aria-label="${what}, ${points.length} run(s)" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" data-points="${points.length}">
<polyline points="${line}" fill="none" stroke="#4a7ab5" stroke-width="1.5"/>
${at.map((p) => html`<circle class="point${p.bad ? ' bad' : ''}" cx="${p.x}" cy="${p.y}" r="2.5" fill="${p.bad ? '#c0392b' : '#4a7ab5'}"><title>${p.label}</title></circle>`)}
</svg>`;
}

const round = (n: number) => Math.round(n * 10) / 10;
