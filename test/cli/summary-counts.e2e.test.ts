import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { runCli, startCli, waitFor, EVENT_MS } from '../helpers/cli.js';
import { CopyFixture } from '../helpers/influx-copy.js';

// The printed summary of real runs: a logs process over a real file, an influxdb-copy between two real influxd.
const f = new CopyFixture();
beforeAll(() => f.start());
afterAll(() => f.stop());
beforeEach(() => f.next());
afterEach(() => f.done());

const T = 1700000000000000000n;

describe('the printed summary', () => {
  it('counts records with thousands separators, as the live line does', async () => {
    const lines = Array.from({ length: 1500 }, (_, i) => `10.0.0.1 - - [23/Nov/2026:04:00:0${i % 10} +0000] "GET /p${i % 7} HTTP/1.1" 200 512 "-" "curl/8"`);
    f.ws.write('in/access.log', `${lines.join('\n')}\n`);
    f.ws.write('config/a.yaml', 'web:\n  type: logs\n  inputs: ["in/access.log"]\n  format: nginx-combined\n  database: data/logs.db\n');
    const r = await runCli([], { cwd: f.ws.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^web +logs +SUCCESS +\d+\.\d s +1,500\/1,500\/0 +ok \(1 check\)$/m);
  });

  it('shows the records an interrupted process did get', async () => {
    const lines: string[] = [];
    for (let t = 0n; t < 60_000n; t++) lines.push(`big,host=h${t % 20n} v=${t}i ${T + t * 1_000_000n}`);
    for (let i = 0; i < lines.length; i += 20_000) await f.src.write(f.db, lines.slice(i, i + 20_000).join('\n'));
    f.ws.write('config/copy.yaml', f.processFile('mode: full, validate_data: checksum'));
    const run = startCli(['--report', 'report.json'], { cwd: f.ws.dir });
    let stderr = '';
    run.child.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => /Verifying 1 measurement/.test(stderr), EVENT_MS, 'the verification to start');
    run.child.kill('SIGTERM');
    const { code, stdout } = await run.done;
    expect(code).toBe(143);
    // What it had copied when it was stopped (all of it, or on a busy machine a part), as the report says.
    const { records } = (JSON.parse(f.ws.read('report.json')) as RunSummary).processes[0]!;
    expect(records!.written).toBeGreaterThanOrEqual(1000);
    const shown = [records!.read, records!.written, records!.rejected].map((n) => n.toLocaleString('en-US')).join('/');
    expect(shown).toMatch(/^\d{1,2},\d{3}\/\d{1,2},\d{3}\/0$/);
    expect(stdout).toMatch(new RegExp(`^copy +influxdb-copy +INTERRUPTED +\\d+\\.\\d s +${shown} `, 'm'));
    expect(stdout).toMatch(/^ {4}E_INTERRUPTED: /m);
  });

  it('shows the records a logs process had stored when it was stopped', async () => {
    const line = (i: number) => `10.0.0.1 - - [23/Nov/2026:04:00:0${i % 10} +0000] "GET /p${i % 7} HTTP/1.1" 200 512 "-" "curl/8"`;
    f.ws.write('in/a.log', `${Array.from({ length: 1200 }, (_, i) => line(i)).join('\n')}\n`);
    // Long enough that it is still being read when the stop arrives, even on a fast machine.
    f.ws.write('in/b.log', `${line(1)}\n`.repeat(600_000));
    f.ws.write('config/a.yaml', 'web:\n  type: logs\n  inputs: ["in/a.log", "in/b.log"]\n  format: nginx-combined\n  database: data/logs.db\n');
    const run = startCli(['--report', 'report.json'], { cwd: f.ws.dir });
    let stderr = '';
    run.child.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => /in\/a\.log: new/.test(stderr), EVENT_MS, 'the first file to be read');
    run.child.kill('SIGTERM');
    const { code, stdout } = await run.done;
    expect(code, stderr).toBe(143);
    const { status, records } = (JSON.parse(f.ws.read('report.json')) as RunSummary).processes[0]!;
    expect(status).toBe('interrupted');
    // The first file whole, and of the second what its commits had stored.
    expect(records!.read).toBeGreaterThanOrEqual(1200);
    expect(records!.read).toBeLessThan(601_200);
    expect(records!.written).toBe(records!.read);
    const shown = [records!.read, records!.written, records!.rejected].map((n) => n.toLocaleString('en-US')).join('/');
    expect(stdout).toMatch(new RegExp(`^web +logs +INTERRUPTED +\\d+\\.\\d s +${shown} `, 'm'));
  });
});
