import { hostname } from 'node:os';
import type Database from 'better-sqlite3';

export interface LockHolder {
  host: string;
  pid: number;
  acquiredAt: string;
  heartbeatAt: string;
}

export type LockResult = { ok: true; tookOver?: LockHolder & { why: string } } | { ok: false; holder: LockHolder };

// Named locks in the state store, so that two schedulers sharing it never start the same process twice.
// A holder on this host whose process is gone, or whose heartbeat is older than `staleMs`, is taken over.
export class Locks {
  private readonly host = hostname();

  constructor(private readonly db: Database.Database) {}

  tryLock(name: string, staleMs: number, now = new Date()): LockResult {
    return this.db.transaction((): LockResult => {
      const row = this.db.prepare('SELECT host, pid, acquired_at AS acquiredAt, heartbeat_at AS heartbeatAt FROM locks WHERE name = ?').get(name) as LockHolder | undefined;
      const take = () => this.db.prepare('INSERT OR REPLACE INTO locks VALUES (?, ?, ?, ?, ?)').run(name, this.host, process.pid, now.toISOString(), now.toISOString());
      if (!row) {
        take();
        return { ok: true };
      }
      const why = this.staleness(row, staleMs, now);
      if (!why) return { ok: false, holder: row };
      take();
      return { ok: true, tookOver: { ...row, why } };
    }).immediate();
  }

  heartbeat(name: string, now = new Date()): void {
    this.db.prepare('UPDATE locks SET heartbeat_at = ? WHERE name = ? AND host = ? AND pid = ?').run(now.toISOString(), name, this.host, process.pid);
  }

  unlock(name: string): void {
    this.db.prepare('DELETE FROM locks WHERE name = ? AND host = ? AND pid = ?').run(name, this.host, process.pid);
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
