import type Database from 'better-sqlite3';
import type { Bookkeeping } from './bookkeeping.js';

type Health = 'failing' | 'ok';

// What each notifier was last told of each process (notify/events.ts's AlertLedger): bookkeeping, so a store
// that cannot keep it costs a repeated or a missed alert, never the run.
export class Alerts {
  constructor(
    private readonly db: Database.Database,
    private readonly book: Bookkeeping,
  ) {}

  last(process: string, notifier: string): Health | undefined {
    const read = this.book.read('alerts', `read what was last alerted of ${process}`, () => this.db.prepare('SELECT health FROM alerts WHERE process = ? AND notifier = ?').pluck().get(process, notifier) as Health | undefined);
    return read.ok ? read.value : undefined;
  }

  remember(process: string, notifier: string, health: Health, runId: string): void {
    this.book.write('alerts', `record the alert state of ${process}`, () =>
      this.db
        .prepare('INSERT INTO alerts VALUES (?, ?, ?, ?, ?) ON CONFLICT (process, notifier) DO UPDATE SET health = excluded.health, run_id = excluded.run_id, updated_at = excluded.updated_at')
        .run(process, notifier, health, runId, new Date().toISOString()),
    );
  }
}
