import { html } from './html.js';
import { page } from './layout.js';
import { CHART_LEGEND, interfaceCharts, interfaceTable, sortInterfaces, TRAFFIC_SORTS, type TrafficSort } from '../lib/traffic-day.js';
import type { ScanDay, ScanInterface } from './scan-reader.js';

export const SCAN_SORTS = TRAFFIC_SORTS;
export type ScanSort = TrafficSort;

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
// `dayStart`: the day's first instant in the zone of `hourLabel`, from which the charts mark every third hour.
export function scanDayPage(layer: string, date: string, interfaces: ScanInterface[], sort: ScanSort, hourLabel: (epoch: number) => string, dayStart?: number): string {
  const title = `${layer} on ${date}`;
  if (interfaces.length === 0) return page(title, html`<h1>${title}</h1><p class="none" id="no-scan">Nothing stored for ${layer} on ${date}.</p>`);
  const sorted = sortInterfaces(interfaces, sort);
  const header = (label: string, by: ScanSort) => (by === sort ? html`<th>${label} ▾</th>` : html`<th><a href="${scanDayHref(layer, date, by)}">${label}</a></th>`);
  const history = html`<details id="interface-history"><summary>Each interface over its last days</summary><ul>${sortInterfaces(interfaces, 'interface').map((i) => html`<li><a href="/scan/${encodeURIComponent(layer)}/interfaces/${encodeURIComponent(i.interface)}">${i.interface}</a></li>`)}</ul></details>`;
  return page(title, html`<h1>${title}</h1><p>${CHART_LEGEND} <a href="/scan">Other days</a></p>${history}${interfaceTable(sorted, header)}${interfaceCharts(sorted, hourLabel, dayStart)}`);
}
