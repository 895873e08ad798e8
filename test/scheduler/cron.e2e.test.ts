import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compile } from '../../src/lib/cron.js';
import { nextRuns } from '../../src/scheduler/next-runs.js';
import { runCli, startCli, waitFor, Workspace } from '../helpers/cli.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

const job = (name: string, schedule: string) => `${name}:\n  type: command\n  schedule: ${schedule}\n  run: { argv: ["true"] }\n`;

// Vixie cron's rule, written out minute by minute: both day fields restricted, a day matching either runs.
function vixieNext(from: Date, hour: number, days: [number, number], weekday: number): Date {
  const t = new Date(Math.floor(from.getTime() / 60_000) * 60_000 + 60_000);
  for (;; t.setUTCMinutes(t.getUTCMinutes() + 1)) {
    const day = t.getUTCDate();
    if (t.getUTCMinutes() === 0 && t.getUTCHours() === hour && ((day >= days[0] && day <= days[1]) || t.getUTCDay() === weekday)) return t;
  }
}

describe('a schedule', () => {
  it('runs on a day matching either day field when both are restricted (Vixie cron): "0 4 1-7 * 1" is the 1st to the 7th and every Monday', () => {
    const runs = nextRuns({ schedule: { cron: '0 4 1-7 * 1', timezone: 'UTC' } }, 8, new Date('2026-12-08T00:00:00Z'));
    expect(runs.map((d) => d.toISOString().slice(0, 10))).toEqual(['2026-12-14', '2026-12-21', '2026-12-28', '2027-01-01', '2027-01-02', '2027-01-03', '2027-01-04', '2027-01-05']);
    // One field restricted: that one alone decides.
    expect(nextRuns({ schedule: { cron: '0 4 * * 1' } }, 2, new Date('2026-12-08T00:00:00Z'), 'UTC').map((d) => d.toISOString())).toEqual(['2026-12-14T04:00:00.000Z', '2026-12-21T04:00:00.000Z']);
  });

  it('is read in its own zone, else the one given, and a process without one has no runs', () => {
    const from = new Date('2026-12-08T00:00:00Z');
    expect(nextRuns({ schedule: { cron: '0 4 * * *', timezone: 'America/Caracas' } }, 1, from, 'UTC')[0]!.toISOString()).toBe('2026-12-08T08:00:00.000Z');
    expect(nextRuns({ schedule: { cron: '0 4 * * *' } }, 1, from, 'Asia/Tokyo')[0]!.toISOString()).toBe('2026-12-08T19:00:00.000Z');
    expect(nextRuns({}, 3, from)).toEqual([]);
  });

  it('takes the shortcuts of cron: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly', () => {
    const from = new Date('2026-12-08T10:30:00Z');
    const next = (cron: string) => nextRuns({ schedule: { cron, timezone: 'UTC' } }, 1, from)[0]!.toISOString();
    expect(next('@yearly')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('@annually')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('@monthly')).toBe('2027-01-01T00:00:00.000Z');
    expect(next('@weekly')).toBe('2026-12-13T00:00:00.000Z');
    expect(next('@daily')).toBe('2026-12-09T00:00:00.000Z');
    expect(next('@midnight')).toBe('2026-12-09T00:00:00.000Z');
    expect(next('@hourly')).toBe('2026-12-08T11:00:00.000Z');
    expect(compile('@daily', 'UTC').match(new Date('2026-12-09T00:00:00Z'))).toBe(true);
  });

  it('is checked by --validate-only, the shortcuts accepted, a bad one refused in words naming the field and its range', async () => {
    const good = ['"@daily"', '"@hourly"', '"@weekly"', '"@monthly"', '"@yearly"', '"@midnight"', '"0 4 1-7 * 1"', '"30 0 4 * * MON-FRI"', '{ cron: "@daily", timezone: "Europe/Madrid" }'];
    ws.write('config/good.yaml', good.map((s, i) => job(`good${i}`, s)).join(''));
    const ok = await runCli(['--validate-only'], { cwd: ws.dir });
    expect(ok.stdout).toContain(`Configuration is valid: ${good.length} processes in 1 file.`);
    expect(ok.code).toBe(0);
    const bad: Array<[string, string]> = [
      ['"61 * * * *"', 'minute 61 is out of range 0–59'],
      ['"0 24 * * *"', 'hour 24 is out of range 0–23'],
      ['"0 4 32 * *"', 'day of month 32 is out of range 1–31'],
      ['"0 4 * 13 *"', 'month 13 is out of range 1–12'],
      ['"0 4 * * 8"', 'day of week 8 is out of range 0–6 (or 7 for Sunday)'],
      ['"0 22-2 * * *"', 'hour range 22-2 runs backwards (write 22-23,0-2 to wrap round)'],
      ['"5/10 * * * *"', 'minute "5/10": a step needs a range or "*" before it ("*/10", or "5-59/10")'],
      ['"0 4 * *"', 'expected 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first, got 4'],
      ['"@reboot"', '@reboot is not supported: main schedule runs processes at times of day, not when it starts'],
      ['"@fortnightly"', 'unknown shortcut "@fortnightly"; expected one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly'],
    ];
    ws.write('config/good.yaml', bad.map(([s], i) => job(`x${i}`, s)).join(''));
    const r = await runCli(['--validate-only'], { cwd: ws.dir });
    expect(r.code).toBe(2);
    bad.forEach(([schedule, words], i) => {
      expect(r.stdout).toContain(`config/good.yaml:${3 + 4 * i}:13: process "x${i}": expected "schedule" to be a cron expression such as "0 4 * * *" (seconds optional), got ${schedule}: ${words}\n`);
    });
  });

  it('main schedule announces the next run by the same rule', async () => {
    ws.write('config/a.yaml', job('monthly_start', '{ cron: "0 4 1-7 * 1", timezone: UTC }'));
    const from = new Date();
    const s = startCli(['schedule'], { cwd: ws.dir });
    let stderr = '';
    s.child.stderr!.on('data', (d) => (stderr += d));
    // Once it has started (and listens for SIGTERM).
    await waitFor(() => /Scheduler started/.test(stderr), undefined, 'the scheduler to start');
    s.child.kill('SIGTERM');
    expect((await s.done).code).toBe(0);
    const announced = /Scheduled monthly_start \(command\) at "0 4 1-7 \* 1" \(UTC\); next run (\S+)\./.exec(stderr)?.[1];
    expect(announced).toBe(vixieNext(from, 4, [1, 7], 1).toISOString());
  });
});
