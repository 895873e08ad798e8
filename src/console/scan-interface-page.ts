import { daysChart } from '../lib/days-chart.js';
import { rate } from '../lib/traffic.js';
import { html } from './html.js';
import { page } from './layout.js';
import { scanDayHref } from './scan-page.js';
import type { ScanInterfaceDay } from './scan-reader.js';

/** Days shown when the address does not say; at most MAX_DAYS. */
export const DEFAULT_DAYS = 30;
export const MAX_DAYS = 366;

export const scanInterfaceHref = (layer: string, name: string, days?: number): string =>
  `/scan/${encodeURIComponent(layer)}/interfaces/${encodeURIComponent(name)}${days ? `?days=${days}` : ''}`;

// `/scan/LAYER/interfaces/NAME?days=N`: one interface over its last N days stored: the daily p95, average and
// maximum of in and out as a chart, and the same in a table, newest day first, each day linking to its page.
export function scanInterfacePage(layer: string, name: string, days: ScanInterfaceDay[], asked: number): string {
  const title = `${name} (${layer}), last ${asked} days`;
  if (days.length === 0) return page(title, html`<h1>${title}</h1><p class="none" id="no-scan">No day stored for ${name} in ${layer}.</p>`);
  const unit = days[0]!.unit;
  const choices = [7, 30, 90, 365].map((n, k) => html`${k ? ' · ' : ''}${n === asked ? html`<strong>${n} days</strong>` : html`<a href="${scanInterfaceHref(layer, name, n)}">${n} days</a>`}`);
  const table = html`<table id="scan-interface-days"><thead><tr><th>Day</th><th>Samples</th><th>In avg</th><th>In p95</th><th>In max</th><th>Out avg</th><th>Out p95</th><th>Out max</th><th>Utilisation</th></tr></thead><tbody>${[...days].reverse().map(
    (d) => html`<tr data-date="${d.date}"><td><a href="${scanDayHref(layer, d.date)}">${d.date}</a></td><td class="num">${d.samples} of ${d.expectedSamples}</td>
<td class="num">${rate(d.inAvg, unit)}</td><td class="num">${rate(d.inP95, unit)}</td><td class="num">${rate(d.inMax, unit)}</td><td class="num">${rate(d.outAvg, unit)}</td><td class="num">${rate(d.outP95, unit)}</td><td class="num">${rate(d.outMax, unit)}</td>
<td class="num utilisation">${d.utilisationPct === undefined ? '-' : `${d.utilisationPct.toFixed(2)} %`}</td></tr>
`,
  )}</tbody></table>`;
  return page(title, html`<h1>${title}</h1><p>${days.length} day(s) stored in that span. Show ${choices}. <a href="/scan">All days</a></p>${daysChart(days, unit, name)}${table}`);
}
