import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, Workspace } from '../helpers/cli.js';

// `main next` and `main schedule --list` load the process files and ask the scheduler's cron evaluation.
let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

const main = (args: string[]) => runCli(args, { cwd: ws.dir });

interface Planned {
  process: string;
  type: string;
  cron?: string;
  timezone?: string;
  next: string[];
  after?: string[];
}

// The first instants after `from` whose UTC time is `hh:mm` (and UTC weekday `day`, when given): worked out here
// by plain arithmetic, for zones without daylight saving time.
function expected(from: number, hh: number, mm: number, count: number, stepDays: number, day?: number): number[] {
  const start = new Date(from);
  let t = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate(), hh, mm);
  while (t <= from || (day !== undefined && new Date(t).getUTCDay() !== day)) t += 86_400_000;
  return Array.from({ length: count }, (_, i) => t + i * stepDays * 86_400_000);
}

const FILES = `nightly:
  type: command
  schedule: { cron: "0 4 * * *", timezone: Asia/Tokyo }
  run: { shell: "true" }
weekly:
  type: command
  schedule: "30 2 * * 1"
  run: { shell: "true" }
report:
  type: command
  after: [nightly]
  run: { shell: "true" }
off:
  type: command
  enabled: false
  schedule: "* * * * *"
  run: { shell: "true" }
`;

describe('main next and main schedule --list', () => {
  it("print each enabled process's next run times in its zone, the schedule's own or --timezone", async () => {
    ws.write('config/a.yaml', FILES);
    const before = Date.now();
    const r = await main(['next', '--timezone', 'America/Bogota', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const planned = JSON.parse(r.stdout) as Planned[];
    // Soonest first, the disabled one left out, one without a schedule of its own last.
    expect(planned.map((p) => p.process).sort()).toEqual(['nightly', 'report', 'weekly']);
    expect(planned.at(-1)!.process).toBe('report');
    expect(Date.parse(planned[0]!.next[0]!)).toBeLessThanOrEqual(Date.parse(planned[1]!.next[0]!));
    const nightly = planned.find((p) => p.process === 'nightly')!;
    const weekly = planned.find((p) => p.process === 'weekly')!;
    expect(nightly).toMatchObject({ cron: '0 4 * * *', timezone: 'Asia/Tokyo' });
    expect(weekly).toMatchObject({ cron: '30 2 * * 1', timezone: 'America/Bogota' });
    expect(planned.find((p) => p.process === 'report')).toEqual({ process: 'report', type: 'command', next: [], after: ['nightly'] });
    // 04:00 in Tokyo (+09:00) is 19:00 UTC the day before; Monday 02:30 in Bogotá (-05:00) is Monday 07:30 UTC.
    for (const t of nightly.next) expect(t).toMatch(/^\d{4}-\d\d-\d\dT04:00:00\+09:00$/);
    for (const t of weekly.next) expect(t).toMatch(/^\d{4}-\d\d-\d\dT02:30:00-05:00$/);
    expect(nightly.next.map(Date.parse)).toEqual(expected(before, 19, 0, 3, 1));
    expect(weekly.next.map(Date.parse)).toEqual(expected(before, 7, 30, 3, 7, 1));
  });

  it('print a table, as many times as --count says, and schedule --list is the same as next', async () => {
    ws.write('config/a.yaml', FILES);
    const table = await main(['schedule', '--list', '--timezone', 'America/Bogota', '--count', '5']);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PROCESS +TYPE +SCHEDULE +ZONE +NEXT RUNS$/);
    expect(lines.filter((l) => / 04:00:00 \+09:00$/.test(l))).toHaveLength(5);
    expect(lines.filter((l) => / 02:30:00 -05:00$/.test(l))).toHaveLength(5);
    expect(lines).toContainEqual(expect.stringMatching(/^nightly +command +0 4 \* \* \* +Asia\/Tokyo +\d{4}-\d\d-\d\d 04:00:00 \+09:00$/));
    expect(lines.at(-1)).toMatch(/^report +command +- +- +after nightly succeeds$/);
    expect(table.stdout).not.toContain('off');
    const next = await main(['next', '--timezone', 'America/Bogota', '--count', '5']);
    expect(next.stdout).toBe(table.stdout);
  });

  it('refuse invalid process files (exit 2) and --count without --list', async () => {
    ws.write('config/a.yaml', 'bad:\n  type: command\n  schedule: "61 * * * *"\n  run: { shell: "true" }\n');
    const r = await main(['next']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Nothing was listed: 1 problem(s) in ./config');
    expect(await main(['schedule', '--count', '2'])).toMatchObject({ code: 2, stderr: 'main: --count goes with --list: main schedule --list --count N\n' });
  });
});
