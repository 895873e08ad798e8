import { join } from 'node:path';
import { DAY_CHART, dayChart } from '../../lib/day-chart.js';
import { html, type Html } from '../../lib/html.js';
import { CHART_LEGEND, chartAnchor, interfaceCharts, interfaceTable, sortInterfaces, type ReportedInterface, type TrafficSort } from '../../lib/traffic-day.js';
import type { Day } from './day.js';

// A layer's day as files a person opens: <date>.html (the table by utilisation and a chart of each interface) and
// <date>.svg (the charts alone, stacked), next to the day's CSV in data_dir/DAILY_SUMMARY/<LAYER>/. Both are whole
// in themselves: no script, no style sheet, font or image to fetch, and the page's own Content-Security-Policy
// forbids any request, so that it reads the same from a mail, a share or a browser offline.

export function reportFiles(dataDir: string, layer: string, date: string): { html: string; svg: string } {
  const base = join(dataDir, 'DAILY_SUMMARY', layer, date);
  return { html: `${base}.html`, svg: `${base}.svg` };
}

// "06:00" in the process's zone.
export function hourLabelIn(timeZone: string): (epoch: number) => string {
  const format = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone });
  return (epoch) => format.format(epoch * 1000);
}

export function dayReportHtml(layer: string, day: Day, timeZone: string, rows: readonly ReportedInterface[]): string {
  const sorted = sortInterfaces(rows, 'utilisation');
  const header = (label: string, by: TrafficSort) => (by === 'utilisation' ? html`<th>${label} ▾</th>` : html`<th>${label}</th>`);
  const byName = sortInterfaces(rows, 'interface');
  const title = `${layer} on ${day.date}`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} · SysAdminToolkit scan</title><style>${STYLE}</style></head>
<body><h1>${title}</h1>
<p>${rows.length} interface(s), the day from 00:00 to 24:00 in ${timeZone} (${day.expectedSamples} five-minute samples expected each); times in ${timeZone}. Sorted by utilisation, highest first. ${CHART_LEGEND}</p>
<details id="by-name"><summary>Interfaces by name</summary><ul>${byName.map((i) => html`<li><a href="#${chartAnchor(i.interface)}">${i.interface}</a></li>`)}</ul></details>
${interfaceTable(sorted, header)}
${interfaceCharts(sorted, hourLabelIn(timeZone), day.start)}
<footer>Written by SysAdminToolkit's scan kind; the numbers are those of ${day.date}.csv beside this file.</footer>
</body></html>
`.text;
}

// The charts alone, one under the other with the interface's name above each, in the same order as the page.
export function dayReportSvg(layer: string, day: Day, timeZone: string, rows: readonly ReportedInterface[]): string {
  const sorted = sortInterfaces(rows, 'utilisation');
  const TITLE = 22;
  const step = DAY_CHART.height + TITLE;
  const label = hourLabelIn(timeZone);
  const charts: Html[] = sorted.map(
    (i, n) => html`<g transform="translate(0 ${TITLE + n * step})"><text x="8" y="-6" font-size="13" font-weight="600">${i.interface}</text>${dayChart(i, label, day.start)}</g>`,
  );
  return html`<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${DAY_CHART.width}" height="${TITLE + sorted.length * step}" viewBox="0 0 ${DAY_CHART.width} ${TITLE + sorted.length * step}" font-family="sans-serif">
<title>${layer} on ${day.date} (${timeZone})</title><rect width="100%" height="100%" fill="#fafafa"/>
${charts}
</svg>
`.text;
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
