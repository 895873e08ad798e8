import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import type { Bookkeeping } from './bookkeeping.js';

export interface LockHolder {
  host: string;
  pid: number;
  acquiredAt: string;
  heartbeatAt: string;
}

/** `unrecorded`: the store could not take the lock (it could not be read or written); go on without it. */
export type LockResult = { ok: true; tookOver?: LockHolder & { why: string }; unrecorded?: boolean } | { ok: false; holder: LockHolder };

// Named locks in the state store, so that two schedulers sharing it never start the same process twice.
// A holder on this host whose process is gone, or whose heartbeat is older than `staleMs`, is taken over.
// A lock the store cannot keep (a full disk, a damaged page) does not stop the run: it is bookkeeping.
export class Locks {
  private readonly host = hostname();

  /** Locks this program released but the store could not delete: its row is not a run still going. */
  private readonly released = new Set<string>();

  constructor(
    private readonly db: Database.Database,
    private readonly book: Bookkeeping,
  ) {}

  tryLock(name: string, staleMs: number, now = new Date()): LockResult {
    // Read as bookkeeping (a failure is reported): only a lock written says that the store records locks again.
    const taken = this.book.read('locks', `take the lock "${name}"`, () =>
      this.unsynced(() => this.db.transaction((): LockResult => {
        const row = this.db.prepare('SELECT host, pid, acquired_at AS acquiredAt, heartbeat_at AS heartbeatAt FROM locks WHERE name = ?').get(name) as LockHolder | undefined;
        const take = () => this.db.prepare('INSERT OR REPLACE INTO locks VALUES (?, ?, ?, ?, ?)').run(name, this.host, process.pid, now.toISOString(), now.toISOString());
        if (!row || this.releasedHere(name, row)) {
          take();
          return { ok: true };
        }
        const why = this.staleness(row, staleMs, now);
        if (!why) return { ok: false, holder: row };
        take();
        return { ok: true, tookOver: { ...row, why } };
      }).immediate()),
    );
    // A holder still running returns before any write: a failure means the lock was free (or could not be read).
    if (!taken.ok) return { ok: true, unrecorded: true };
    if (taken.value.ok) {
      this.released.delete(name);
      this.book.works('locks');
    }
    return taken.value;
  }

  heartbeat(name: string, now = new Date()): void {
    this.book.write('locks', `record the heartbeat of the lock "${name}"`, () => this.unsynced(() => this.db.prepare('UPDATE locks SET heartbeat_at = ? WHERE name = ? AND host = ? AND pid = ?').run(now.toISOString(), name, this.host, process.pid)));
  }

  unlock(name: string): void {
    const done = this.book.write('locks', `release the lock "${name}"`, () => this.unsynced(() => this.db.prepare('DELETE FROM locks WHERE name = ? AND host = ? AND pid = ?').run(name, this.host, process.pid)));
    if (!done) this.released.add(name);
  }

  // A lock row is written without waiting for the disk (SQLite's synchronous=NORMAL): it stands for a run going on
  // now, which a power cut ends too, so it has nothing to keep across one; another process sees it at once all the
  // same. The next fully synced commit (a result) makes it durable anyway. Two fsyncs fewer a process (strace).
  private unsynced<T>(write: () => T): T {
    const level = this.db.pragma('synchronous', { simple: true }) as number;
    this.db.pragma('synchronous = NORMAL');
    try {
      return write();
    } finally {
      this.db.pragma(`synchronous = ${level}`);
    }
  }

  private releasedHere(name: string, row: LockHolder): boolean {
    return this.released.has(name) && row.host === this.host && row.pid === process.pid;
  }

  // Why a holder no longer holds, or undefined while it does.
  private staleness(row: LockHolder, staleMs: number, now: Date): string | undefined {
    if (row.host === this.host && row.pid !== process.pid && !alive(row.pid)) return `its process ${row.pid} is gone`;
    const age = now.getTime() - Date.parse(row.heartbeatAt);
    if (age > staleMs) return `its last heartbeat is ${Math.round(age / 1000)} s old`;
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
