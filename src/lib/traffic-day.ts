import { dayChart, type ChartedDay } from './day-chart.js';
import { html, type Html } from './html.js';
import { dayVolume, rate, volume, type InterfaceDayNumbers, type TrafficUnit } from './traffic.js';

// A layer's day of traffic as a person reads it: a table of its interfaces and a chart of each. The console's scan
// page and the scan kind's report file are both made of these, so they show the same thing the same way.

export type ReportedInterface = InterfaceDayNumbers & ChartedDay;

export const TRAFFIC_SORTS = ['utilisation', 'interface'] as const;
export type TrafficSort = (typeof TRAFFIC_SORTS)[number];

// Highest utilisation first (an interface without one last), or by name.
export function sortInterfaces<T extends InterfaceDayNumbers>(rows: readonly T[], sort: TrafficSort): T[] {
  const byName = (a: T, b: T) => a.interface.localeCompare(b.interface);
  return [...rows].sort(sort === 'interface' ? byName : (a, b) => (b.utilisationPct ?? -1) - (a.utilisationPct ?? -1) || byName(a, b));
}

// The table, in the order given; `header` draws the two sortable columns' headings (a link in the console, plain
// text in a file).
// `linked`: the interfaces that have a chart on the page (all, when not given).
export function interfaceTable(rows: ReadonlyArray<InterfaceDayNumbers & { unit: TrafficUnit }>, header: (label: string, by: TrafficSort) => Html, linked?: ReadonlySet<string>): Html {
  return html`<table id="scan-interfaces"><thead><tr>${header('Interface', 'interface')}<th>Vendor</th><th>Capacity</th><th>Samples</th><th>In avg</th><th>In p95</th><th>In max</th><th>Out avg</th><th>Out p95</th><th>Out max</th><th>In volume</th><th>Out volume</th>${header('Utilisation', 'utilisation')}</tr></thead><tbody>${rows.map(
    (i) => html`<tr data-interface="${i.interface}"><td>${!linked || linked.has(i.interface) ? html`<a href="#${chartAnchor(i.interface)}">${i.interface}</a>` : i.interface}</td><td>${i.vendor}</td><td class="num">${i.capacityGbps ? `${i.capacityGbps} Gbps` : '-'}</td>
<td class="num">${i.samples} of ${i.expectedSamples}</td><td class="num">${rate(i.inAvg, i.unit)}</td><td class="num">${rate(i.inP95, i.unit)}</td><td class="num">${rate(i.inMax, i.unit)}</td>
<td class="num">${rate(i.outAvg, i.unit)}</td><td class="num">${rate(i.outP95, i.unit)}</td><td class="num">${rate(i.outMax, i.unit)}</td>
<td class="num">${volume(dayVolume(i.inAvg, i.samples, i.unit))}</td><td class="num">${volume(dayVolume(i.outAvg, i.samples, i.unit))}</td><td class="num utilisation">${i.utilisationPct === undefined ? '-' : `${i.utilisationPct.toFixed(2)} %`}</td></tr>
`,
  )}</tbody></table>`;
}

// Each interface's heading (the table's rows link to it) and day chart.
export function interfaceCharts(rows: readonly ReportedInterface[], hourLabel: (epoch: number) => string, dayStart?: number): Html {
  return html`${rows.map((i) => html`<h2 id="${chartAnchor(i.interface)}">${i.interface}</h2>${dayChart(i, hourLabel, dayStart)}`)}`;
}

export const CHART_LEGEND = "In green, out in blue; dashed: the day's 95th percentile.";

// An id from a name: interface names hold `/` and spaces.
export const chartAnchor = (name: string): string => `chart-${name.replace(/[^\w-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`)}`;
