import type { ServerResponse } from 'node:http';
import { localTime } from './format.js';
import type { LiveState, StoreReader } from './store-reader.js';

/** How often the store is read while a page listens. */
const POLL_MS = 1000;
/** A comment line this often keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

// Server-sent events at /api/v1/events: one `state` event on connecting, then one each time the state changes (a
// process starts or ends, a run starts or ends). One reading of the store a second serves every listener, and only
// while one listens. Several `main` processes write the store; there is nothing to subscribe to but its rows.
export class LiveHub {
  private readonly listeners = new Set<ServerResponse>();
  private timer?: NodeJS.Timeout;
  private last = '';
  private quiet = 0;

  constructor(private readonly store: StoreReader) {}

  /** Takes over a response: headers are the caller's; the stream ends when the client goes or `close()` is called. */
  add(res: ServerResponse): void {
    this.listeners.add(res);
    res.on('close', () => this.drop(res));
    res.write(`retry: 2000\nevent: state\ndata: ${this.read()}\n\n`);
    this.timer ??= setInterval(() => this.tick(), POLL_MS);
  }

  close(): void {
    for (const res of this.listeners) res.end();
    this.listeners.clear();
    this.stop();
  }

  private tick(): void {
    const before = this.last;
    try {
      this.read();
    } catch {
      return; // a store being migrated or locked: read again at the next tick; the pages say why
    }
    this.quiet += POLL_MS;
    if (this.last !== before) this.send(`event: state\ndata: ${this.last}\n\n`);
    else if (this.quiet >= KEEPALIVE_MS) this.send(': still here\n\n');
  }

  private send(text: string): void {
    this.quiet = 0;
    for (const res of this.listeners) res.write(text);
  }

  // The state now, kept as the last one sent.
  private read(): string {
    this.last = JSON.stringify(view(this.store.live()));
    return this.last;
  }

  private drop(res: ServerResponse): void {
    this.listeners.delete(res);
    if (this.listeners.size === 0) this.stop();
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

// What a page needs: times already in the console's zone.
function view(state: LiveState): object {
  return { runs: state.runs, running: state.running.map((r) => ({ process: r.process, since: localTime(r.since), host: r.host })) };
}

// The script of every page (served from here: the Content-Security-Policy allows no inline script). It fills the
// "now" cells of the processes page, the banner of running processes, and reloads a list once a run starts or ends.
export const LIVE_SCRIPT = `'use strict';
(() => {
  const body = document.body;
  const source = new EventSource('/api/v1/events');
  source.addEventListener('state', (event) => {
    const state = JSON.parse(event.data);
    const running = new Map(state.running.map((r) => [r.process, r]));
    for (const cell of document.querySelectorAll('[data-running-for]')) {
      const r = running.get(cell.getAttribute('data-running-for'));
      cell.textContent = r ? 'running since ' + r.since : '';
      cell.classList.toggle('running-now', Boolean(r));
    }
    const banner = document.getElementById('live-running');
    if (banner) banner.textContent = state.running.length ? 'Running now: ' + state.running.map((r) => r.process).join(', ') : '';
    body.setAttribute('data-live-state', 'connected');
    if (body.getAttribute('data-live') === 'reload' && state.runs !== body.getAttribute('data-runs')) {
      source.close();
      location.reload();
    }
  });
  source.addEventListener('error', () => body.setAttribute('data-live-state', 'reconnecting'));
})();
`;
