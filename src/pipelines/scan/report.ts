import { join } from 'node:path';
import { DAY_CHART, dayChart, type ChartedDay } from '../../lib/day-chart.js';
import { html } from '../../lib/html.js';
import type { InterfaceDayNumbers, TrafficUnit } from '../../lib/traffic.js';
import { CHART_LEGEND, chartAnchor, interfaceCharts, interfaceTable, sortInterfaces, type ReportedInterface, type TrafficSort } from '../../lib/traffic-day.js';
import type { Day } from './day.js';
import { percentile95 } from './summary.js';

// A layer's day as files a person opens: <date>.html (the layer's total traffic, the table of every interface by
// utilisation, and the charts of the busiest) and <date>.svg (the same charts, stacked), next to the day's CSV in
// data_dir/DAILY_SUMMARY/<LAYER>/. Both are whole in themselves: no script, no style sheet, font or image to fetch,
// and the page's own Content-Security-Policy forbids any request, so that it reads the same from a mail, a share or
// a browser offline. Charts are drawn for the CHARTED busiest interfaces only: a chart of each of a layer's 2,000
// would make 15 MB files and cost the run seconds; `main serve` charts any interface.

/** How many interfaces of a layer get a chart in the files: the busiest, by utilisation. */
export const CHARTED = 20;

/** An interface's day for the report: its numbers, and its five-minute series flat (epoch, in, out, …). */
export type FlatInterface = InterfaceDayNumbers & { unit: TrafficUnit; flat: Float64Array };

export function reportFiles(dataDir: string, layer: string, date: string): { html: string; svg: string } {
  const base = join(dataDir, 'DAILY_SUMMARY', layer, date);
  return { html: `${base}.html`, svg: `${base}.svg` };
}

// "06:00" in the process's zone.
export function hourLabelIn(timeZone: string): (epoch: number) => string {
  const format = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone });
  return (epoch) => format.format(epoch * 1000);
}

export function dayReport(layer: string, day: Day, timeZone: string, rows: readonly FlatInterface[]): { html: string; svg: string } {
  const sorted = sortInterfaces(rows, 'utilisation');
  const charted = sorted.slice(0, CHARTED).map(charted1);
  const total = layerTotal(layer, rows);
  const label = hourLabelIn(timeZone);
  return { html: pageOf(layer, day, timeZone, sorted, charted, total, label), svg: svgOf(layer, day, timeZone, [total, ...charted], label) };
}

function pageOf(layer: string, day: Day, timeZone: string, sorted: readonly FlatInterface[], charted: readonly ReportedInterface[], total: ChartedDay, label: (epoch: number) => string): string {
  const header = (text: string, by: TrafficSort) => (by === 'utilisation' ? html`<th>${text} ▾</th>` : html`<th>${text}</th>`);
  const byName = sortInterfaces(sorted, 'interface');
  const withChart = new Set(charted.map((i) => i.interface));
  const title = `${layer} on ${day.date}`;
  const some = charted.length < sorted.length ? ` Charts of the ${charted.length} busiest below (\`main serve\` charts any interface).` : '';
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · SysAdminToolkit scan</title><style>${STYLE}</style></head>
<body><h1>${title}</h1>
<p>${sorted.length} interface(s), the day from 00:00 to 24:00 in ${timeZone} (${day.expectedSamples} five-minute samples expected each); times in ${timeZone}. Sorted by utilisation, highest first.${some} ${CHART_LEGEND}</p>
<h2 id="layer-total">All interfaces of ${layer}</h2>${dayChart(total, label, day.start)}
<details id="by-name"><summary>Interfaces by name</summary><ul>${byName.map((i) => html`<li>${withChart.has(i.interface) ? html`<a href="#${chartAnchor(i.interface)}">${i.interface}</a>` : i.interface}</li>`)}</ul></details>
${interfaceTable(sorted, header, withChart)}
${interfaceCharts(charted, label, day.start)}
<footer>Written by SysAdminToolkit's scan kind; the numbers are those of ${day.date}.csv beside this file.</footer>
</body></html>
`.text;
}

// The charts alone, one under the other with the name above each: the layer's total first, then the busiest.
function svgOf(layer: string, day: Day, timeZone: string, charts: readonly ChartedDay[], label: (epoch: number) => string): string {
  const TITLE = 22;
  const step = DAY_CHART.height + TITLE;
  const height = TITLE + charts.length * step;
  return html`<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${DAY_CHART.width}" height="${height}" viewBox="0 0 ${DAY_CHART.width} ${height}" font-family="sans-serif">
<title>${layer} on ${day.date} (${timeZone})</title><rect width="100%" height="100%" fill="#fafafa"/>
${charts.map((i, n) => html`<g transform="translate(0 ${TITLE + n * step})"><text x="8" y="-6" font-size="13" font-weight="600">${i.interface}</text>${dayChart(i, label, day.start)}</g>`)}
</svg>
`.text;
}

// An interface's series as the charts read it.
function charted1(i: FlatInterface): ReportedInterface {
  const series: Array<{ epoch: number; in: number; out: number }> = [];
  for (let n = 0; n < i.flat.length; n += 3) series.push({ epoch: i.flat[n]!, in: i.flat[n + 1]!, out: i.flat[n + 2]! });
  const { flat: _flat, ...numbers } = i;
  return { ...numbers, series };
}

// The layer's traffic: at each five-minute time, the sum over the interfaces that have a sample then; its p95 lines
// as the interfaces' (nearest rank).
function layerTotal(layer: string, rows: readonly FlatInterface[]): ChartedDay {
  const sums = new Map<number, { in: number; out: number }>();
  for (const r of rows) {
    for (let n = 0; n < r.flat.length; n += 3) {
      const at = sums.get(r.flat[n]!) ?? { in: 0, out: 0 };
      at.in += r.flat[n + 1]!;
      at.out += r.flat[n + 2]!;
      sums.set(r.flat[n]!, at);
    }
  }
  const series = [...sums].sort((a, b) => a[0] - b[0]).map(([epoch, v]) => ({ epoch, ...v }));
  const unit = rows[0]?.unit ?? 'bit/s';
  return { interface: `${layer}: all ${rows.length} interface(s)`, unit, series, ...(series.length ? { inP95: percentile95(series.map((p) => p.in)), outP95: percentile95(series.map((p) => p.out)) } : {}) };
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1em 1.2em; color: #222; background: #fafafa; }
h1 { font-size: 20px; margin: 0.2em 0 0.6em; }
h2 { font-size: 16px; margin: 1.4em 0 0.5em; }
table { border-collapse: collapse; background: #fff; margin: 1em 0; }
th, td { border-bottom: 1px solid #e2e2e2; padding: 0.35em 0.7em; text-align: left; }
th { background: #f0f2f5; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
svg.day-chart { display: block; margin-bottom: 1em; }
footer { color: #777; font-size: 12px; margin-top: 2em; }
`;
