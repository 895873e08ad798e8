import { html, type Html } from './html.js';

// Small charts drawn as inline SVG strings: no script, no stylesheet, no network, so that the same chart works in a
// report file opened from disk and in the console under its Content-Security-Policy (colours are attributes).

export interface Bar {
  /** Under the bar, when there is room for it; always in its tooltip. */
  label: string;
  value: number;
  /** Drawn apart (an anomalous hour). */
  marked?: boolean;
  /** The tooltip; the label and value when absent. */
  title?: string;
}

export interface ChartOptions {
  /** What the chart shows, for screen readers and tests. */
  name: string;
  width?: number;
  height?: number;
  /** An axis value as text (a count, bytes). */
  valueLabel?: (v: number) => string;
  /** At most this many labels under the bars or points; the others are left out evenly. */
  maxLabels?: number;
}

const M = { left: 64, right: 14, top: 10, bottom: 26 };
const COLOUR = '#4a7ab5';
const MARKED = '#c0392b';

// Vertical bars from 0, one per value, left to right; a marked bar is red.
export function barChart(bars: readonly Bar[], o: ChartOptions): Html {
  const { width: W, height: H, plotW, y, axis } = frame(bars.map((b) => b.value), o);
  const slot = bars.length ? plotW / bars.length : plotW;
  const gap = slot > 4 ? Math.min(2, slot * 0.15) : 0;
  const every = labelStep(bars.length, o.maxLabels);
  return html`<svg class="chart bar-chart" role="img" aria-label="${o.name}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" data-bars="${bars.length}">
${axis}${bars.map((b, i) => {
    const x = round(M.left + i * slot + gap / 2);
    const yTop = y(b.value);
    return html`<rect class="bar${b.marked ? ' marked' : ''}" x="${x}" y="${yTop}" width="${round(Math.max(slot - gap, 0.5))}" height="${round(H - M.bottom - yTop)}" fill="${b.marked ? MARKED : COLOUR}"><title>${b.title ?? `${b.label}: ${(o.valueLabel ?? String)(b.value)}`}</title></rect>`;
  })}
${bars.map((b, i) => (i % every === 0 ? html`<text class="x-label" x="${round(M.left + (i + 0.5) * slot)}" y="${H - 8}" text-anchor="middle" font-size="11">${b.label}</text>` : ''))}
</svg>`;
}

export interface Point {
  label: string;
  value: number;
  title?: string;
}

// A line through the values, evenly spaced left to right, with a dot per point.
export function lineChart(points: readonly Point[], o: ChartOptions & { colour?: string }): Html {
  const { width: W, height: H, plotW, y, axis } = frame(points.map((p) => p.value), o);
  const colour = o.colour ?? COLOUR;
  const x = (i: number) => round(M.left + (points.length > 1 ? (i / (points.length - 1)) * plotW : plotW / 2));
  const every = labelStep(points.length, o.maxLabels);
  return html`<svg class="chart line-chart" role="img" aria-label="${o.name}" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" data-points="${points.length}">
${axis}<polyline class="series" points="${points.map((p, i) => `${x(i)},${y(p.value)}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="1.5"/>
${points.map((p, i) => html`<circle class="point" cx="${x(i)}" cy="${y(p.value)}" r="2" fill="${colour}"><title>${p.title ?? `${p.label}: ${(o.valueLabel ?? String)(p.value)}`}</title></circle>`)}
${points.map((p, i) => (i % every === 0 ? html`<text class="x-label" x="${x(i)}" y="${H - 8}" text-anchor="middle" font-size="11">${p.label}</text>` : ''))}
</svg>`;
}

// The plot's size, its y scale from 0 to a round top, and the frame with three y labels (0, half, top).
function frame(values: number[], o: ChartOptions) {
  const width = o.width ?? 760;
  const height = o.height ?? 200;
  const plotW = width - M.left - M.right;
  const top = niceTop(Math.max(0, ...values));
  const y = (v: number) => round(height - M.bottom - (v / top) * (height - M.top - M.bottom));
  const label = o.valueLabel ?? ((v: number) => v.toLocaleString('en-US'));
  const axis = html`<rect x="${M.left}" y="${M.top}" width="${plotW}" height="${height - M.top - M.bottom}" fill="#fff" stroke="#ccc"/>
${[0, 0.5, 1].map((f) => html`<text class="y-label" x="${M.left - 6}" y="${y(top * f) + 4}" text-anchor="end" font-size="11">${label(top * f)}</text>`)}
`;
  return { width, height, plotW, y, top, axis };
}

// Every how many items a label is written, so that at most `max` are.
const labelStep = (n: number, max = 12) => Math.max(1, Math.ceil(n / max));

// The axis top: 1, 2, 2.5 or 5 times a power of ten, at or above the largest value.
export function niceTop(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 2.5, 5, 10].map((m) => m * power).find((v) => v >= max * (1 - 1e-12))!;
}

const round = (n: number) => Math.round(n * 10) / 10;
