import { isStoreError, storeReason } from './store-error.js';

export type RecordKind = 'runs' | 'results' | 'locks' | 'fires' | 'heartbeats' | 'checkpoints' | 'alerts';

// What each kind is called, and what it costs when the store cannot keep it.
const KINDS: Record<RecordKind, { noun: string; cost: string }> = {
  runs: { noun: 'runs', cost: 'The run goes on; `main history` may miss it or show it unfinished.' },
  results: { noun: 'process results', cost: 'The run goes on; what could not be recorded is tried again when it ends.' },
  locks: { noun: 'locks', cost: 'The run goes on: a lock the store cannot keep holds no process back, nor keeps a second run of one out.' },
  fires: { noun: 'fire times', cost: 'The schedules go on; runs missed while no scheduler runs may be miscounted.' },
  heartbeats: { noun: 'scheduler heartbeats', cost: 'The scheduler goes on; `main health` may call it unhealthy.' },
  alerts: { noun: 'alert states', cost: 'Alerts are still sent; one may be sent again after the next run, or a recovery missed.' },
  checkpoints: { noun: 'checkpoints', cost: 'The process goes on; its next run resumes from the last checkpoint saved and does some of this work again.' },
};

// The state store is bookkeeping, not the work: a write that fails (a full disk, a damaged page) is reported, the
// first of each kind only until one of that kind works again, and the work goes on without it. An error that is
// not the store's (a bug in the caller) is thrown as ever.
export class Bookkeeping {
  private readonly failing = new Set<RecordKind>();

  constructor(
    readonly path: string,
    private readonly report: (message: string) => void,
  ) {}

  // `what` completes "could not …": "record the result of nightly".
  attempt<T>(kind: RecordKind, what: string, write: () => T): { ok: true; value: T } | { ok: false } {
    const done = this.read(kind, what, write);
    if (done.ok) this.works(kind);
    return done;
  }

  // A write of this kind was kept: a failure reported before is over.
  works(kind: RecordKind): void {
    if (this.failing.delete(kind)) this.report(`The state store ${this.path} records ${KINDS[kind].noun} again.`);
  }

  // A write whose only outcome is whether it was kept.
  write(kind: RecordKind, what: string, write: () => void): boolean {
    return this.attempt(kind, what, write).ok;
  }

  // A read that bookkeeping depends on: failing, it is reported like a write; succeeding, it does not say that
  // writes work again.
  read<T>(kind: RecordKind, what: string, read: () => T): { ok: true; value: T } | { ok: false } {
    try {
      return { ok: true, value: read() };
    } catch (error) {
      if (!isStoreError(error)) throw error;
      if (!this.failing.has(kind)) {
        this.failing.add(kind);
        this.report(`The state store ${this.path} could not ${what}: ${storeReason(error)}. ${KINDS[kind].cost} Further failures to record ${KINDS[kind].noun} are not reported.`);
      }
      return { ok: false };
    }
  }
}
