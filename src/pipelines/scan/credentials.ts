import { causedBy } from '../../lib/retry.js';
import { CredentialsRefused } from './fetch.js';

// How many first answers of a layer decide that SCAN refuses the process's credentials.
export const PROBE_ANSWERS = 5;

// The first answers of one layer. When the first five all refuse the credentials (401 or 403), the others would
// too: the layer is stopped (no new fetch starts) and told as one error, not a line per interface (600 of them in
// a large layer). One answer that is not a refusal settles it the other way: every failure is then told on its own.
// The failures of the first answers are held until it is settled, so a stopped layer says nothing else about them.
export class CredentialsProbe {
  /** The refusals that stopped the layer; empty while it goes on. */
  readonly refusals: CredentialsRefused[] = [];
  private held: Array<() => void> = [];
  private settled = false;

  constructor(private readonly answers = PROBE_ANSWERS) {}

  get stopped(): boolean {
    return this.refusals.length >= this.answers;
  }

  /** An interface's answer: nothing when it was collected, its error when it failed, with `tell` to log that.
   *  True when this answer stopped the layer. */
  answer(error?: unknown, tell?: () => void): boolean {
    const refusal = error !== undefined && causedBy(error, CredentialsRefused) ? findRefusal(error) : undefined;
    if (this.stopped) {
      // The fetches in flight when the layer stopped: a refusal more is the same news.
      if (!refusal) tell?.();
      return false;
    }
    if (this.settled || !refusal) {
      this.settle();
      tell?.();
      return false;
    }
    this.refusals.push(refusal);
    if (tell) this.held.push(tell);
    if (this.stopped) this.held = [];
    return this.stopped;
  }

  /** The layer is done: failures still held (a layer of fewer interfaces than the probe needs) are told. */
  settle(): void {
    this.settled = true;
    const held = this.held;
    this.held = [];
    for (const tell of held) tell();
  }
}

function findRefusal(error: unknown): CredentialsRefused {
  for (let e: unknown = error; ; e = (e as { cause?: unknown }).cause) if (e instanceof CredentialsRefused) return e;
}

// What stopped a layer: the hosts and the statuses, never the credentials (the user is redacted as a secret too).
export function refusedMessage(layer: string, refusals: CredentialsRefused[], withCredentials: boolean): string {
  const hosts = [...new Set(refusals.map((r) => r.host))].join(' and ');
  const statuses = [...new Set(refusals.map((r) => r.status))].map((s) => `HTTP ${s}`).join(' and ');
  const who = withCredentials ? 'the credentials' : 'a request without credentials (set "credentials")';
  return `credentials refused: ${hosts} answered ${statuses} to ${who} for the first ${refusals.length} interfaces of ${layer}`;
}
