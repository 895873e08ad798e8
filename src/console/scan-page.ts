import { html } from './html.js';
import { page } from './layout.js';
import { dayChart } from '../lib/day-chart.js';
import { rate } from '../lib/traffic.js';
import type { ScanDay, ScanInterface } from './scan-reader.js';

export const SCAN_SORTS = ['utilisation', 'interface'] as const;
export type ScanSort = (typeof SCAN_SORTS)[number];

export const scanDayHref = (layer: string, date: string, sort?: ScanSort): string => `/scan/${encodeURIComponent(layer)}/${encodeURIComponent(date)}${sort ? `?sort=${sort}` : ''}`;

// `/scan`: the days and layers the scan database holds, newest first.
export function scanIndexPage(path: string, days: ScanDay[] | undefined): string {
  const body =
    days === undefined
      ? html`<p class="none" id="no-scan">No scan database at ${path} (a scan process's <code>store.path</code>; pass it to <code>main serve --scan-db</code>).</p>`
      : days.length === 0
        ? html`<p class="none" id="no-scan">No day summarised yet in ${path}.</p>`
        : html`<table id="scan-days"><thead><tr><th>Day</th><th>Layer</th><th>Interfaces</th></tr></thead><tbody>${days.map(
            (d) => html`<tr><td><a href="${scanDayHref(d.layer, d.date)}">${d.date}</a></td><td>${d.layer}</td><td class="num">${d.interfaces}</td></tr>`,
          )}</tbody></table>`;
  return page('Scan', html`<h1>Scan traffic</h1>${body}`);
}

// `/scan/LAYER/DATE`: the layer's interfaces that day, in a table sorted by utilisation (or by name), then a chart of
// each: the five-minute in and out, and the p95 lines.
export function scanDayPage(layer: string, date: string, interfaces: ScanInterface[], sort: ScanSort, hourLabel: (epoch: number) => string): string {
  const title = `${layer} on ${date}`;
  if (interfaces.length === 0) return page(title, html`<h1>${title}</h1><p class="none" id="no-scan">Nothing stored for ${layer} on ${date}.</p>`);
  const sorted = [...interfaces].sort(sort === 'interface' ? (a, b) => a.interface.localeCompare(b.interface) : (a, b) => (b.utilisationPct ?? -1) - (a.utilisationPct ?? -1) || a.interface.localeCompare(b.interface));
  const header = (label: string, by: ScanSort) => (by === sort ? html`<th>${label} ▾</th>` : html`<th><a href="${scanDayHref(layer, date, by)}">${label}</a></th>`);
  const table = html`<table id="scan-interfaces"><thead><tr>${header('Interface', 'interface')}<th>Vendor</th><th>Capacity</th><th>Samples</th><th>In avg</th><th>In p95</th><th>In max</th><th>Out avg</th><th>Out p95</th><th>Out max</th>${header('Utilisation', 'utilisation')}</tr></thead><tbody>${sorted.map(
    (i) => html`<tr data-interface="${i.interface}"><td><a href="#chart-${anchor(i.interface)}">${i.interface}</a></td><td>${i.vendor}</td><td class="num">${i.capacityGbps ? `${i.capacityGbps} Gbps` : '-'}</td>
<td class="num">${i.samples} of ${i.expectedSamples}</td><td class="num">${rate(i.inAvg, i.unit)}</td><td class="num">${rate(i.inP95, i.unit)}</td><td class="num">${rate(i.inMax, i.unit)}</td>
<td class="num">${rate(i.outAvg, i.unit)}</td><td class="num">${rate(i.outP95, i.unit)}</td><td class="num">${rate(i.outMax, i.unit)}</td><td class="num utilisation">${i.utilisationPct === undefined ? '-' : `${i.utilisationPct.toFixed(2)} %`}</td></tr>
`,
  )}</tbody></table>`;
  const charts = sorted.map((i) => html`<h2 id="chart-${anchor(i.interface)}">${i.interface}</h2>${dayChart(i, hourLabel)}`);
  return page(title, html`<h1>${title}</h1><p>In green, out in blue; dashed: the day's 95th percentile. <a href="/scan">Other days</a></p>${table}${charts}`);
}

// An id from a name: interface names hold `/` and spaces.
const anchor = (name: string) => name.replace(/[^\w-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`);
