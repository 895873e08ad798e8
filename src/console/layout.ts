import { TIME_ZONE } from './format.js';
import { html, type Html } from './html.js';

// Served at /static/console.css: the pages carry no inline style, so that the Content-Security-Policy can forbid it.
export const STYLESHEET = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
header { background: #263445; padding: 0.6em 1.2em; }
header a { color: #fff; margin-right: 1.4em; text-decoration: none; font-weight: 600; }
main { padding: 1em 1.2em; }
footer { color: #777; padding: 0.5em 1.2em 1.5em; font-size: 12px; }
h1 { font-size: 20px; margin: 0.2em 0 0.6em; }
h2 { font-size: 16px; margin: 1.4em 0 0.5em; }
table { border-collapse: collapse; background: #fff; }
th, td { border-bottom: 1px solid #e2e2e2; padding: 0.35em 0.7em; text-align: left; vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.status { display: inline-block; padding: 0 0.5em; border-radius: 3px; font-weight: 600; font-size: 12px; }
.status-success { background: #d9f2df; color: #1d6b32; }
.status-failed, .status-timeout, .status-abandoned { background: #f9dcd9; color: #9b2418; }
.status-interrupted, .status-skipped { background: #f5ecd0; color: #7a5c00; }
.status-running { background: #dbe8f7; color: #1f4f86; }
.error { color: #9b2418; white-space: pre-wrap; }
.none { color: #999; }
form.filters { margin-bottom: 1em; display: flex; gap: 0.8em; align-items: end; flex-wrap: wrap; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: #555; }
pre.log { background: #1e1e1e; color: #ddd; padding: 0.8em; overflow-x: auto; font-size: 12px; }
table.log td { font-family: ui-monospace, monospace; font-size: 12px; white-space: pre-wrap; }
.level-error { color: #c0392b; font-weight: 600; } .level-warn { color: #a66d00; }
svg.day-chart, svg.days-chart { display: block; margin-bottom: 1em; }
ul.checks { margin: 0; padding-left: 1.2em; }
#live-running { color: #9fd3ff; font-weight: 600; }
td.now.running-now { color: #1f4f86; font-weight: 600; }
.bad-check { color: #9b2418; }
`;

/** A page kept live (live.ts): `runs` is the store's run key when it was drawn; the page reloads when it changes. */
export interface LivePage {
  runs: string;
}

// A whole page: the menu, the banner of what runs now, the content, the footer saying how times are shown.
export function page(title: string, content: Html, live?: LivePage): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · SysAdminToolkit</title><link rel="stylesheet" href="/static/console.css"><script src="/static/live.js" defer></script></head>
<body${live ? html` data-live="reload" data-runs="${live.runs}"` : ''}><header><nav><a href="/">Runs</a><a href="/processes">Processes</a><a href="/scan">Scan</a><a href="/logs">Logs</a><a href="/metrics">Metrics</a></nav><span id="live-running"></span></header>
<main>${content}</main>
<footer>SysAdminToolkit, read-only console. Times in ${TIME_ZONE}.</footer></body></html>
`.text;
}

// A page that only says something: a refusal, something not found, a store that cannot be read.
export function messagePage(title: string, message: string, hint?: Html): string {
  return page(title, html`<h1>${title}</h1><p class="error">${message}</p>${hint ? html`<p>${hint}</p>` : ''}`);
}

export const statusBadge = (status: string): Html => html`<span class="status status-${status.replace(/[^a-z]/g, '')}">${status}</span>`;
