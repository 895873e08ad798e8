import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { dayBounds } from '../../src/pipelines/scan/day.js';
import { runCli, startCli, waitFor, Workspace } from '../helpers/cli.js';
import { Influxd } from '../helpers/influxd.js';
import { mrtgLog, type Row } from '../helpers/mrtg.js';
import { ScanServer } from '../helpers/scan-server.js';

const DATE = '2026-11-22';
const START = Date.UTC(2026, 10, 22) / 1000;
const END = START + 86_400;
const NOW = END + 4 * 3600; // the nightly run at 04:00
const k = (epoch: number) => (epoch - START) / 300; // slot 1..288 of the day
const inDay = (epoch: number) => epoch > START && epoch <= END;
// Outside the day every value is huge: a row of another day in the statistics would show at once.
const OUTSIDE: Row = [999_999_999, 999_999_999, 999_999_999, 999_999_999];

// core-1: in = 1000·k B/s (max 1000·k + 1), out = 500 B/s (max 600). By hand, in bits/s over k = 1..288:
// in avg = 8·1000·144.5 = 1,156,000; in max = 8·288,001 = 2,304,008; in p95 = nearest rank ceil(0.95·288) = 274 → 8·274,000 = 2,192,000;
// out avg = p95 = 4,000; out max = 4,800; utilisation at 10 Gbps = 2,304,008 / 1e10 = 0.02304 % → "0.02".
const core = (e: number): Row => (inDay(e) ? [1000 * k(e), 500, 1000 * k(e) + 1, 600] : OUTSIDE);
// bras-1: the same, with 10:00–11:00 missing (slots 121..132): 276 samples.
const withGap = (e: number): Row | null => (inDay(e) && k(e) >= 121 && k(e) <= 132 ? null : core(e));
// users-1 (IPBRAS, a gauge): 100 and 101 users alternating, peak 150: rounded average 101 (100.5), maximum 150.
const users = (e: number): Row => (inDay(e) ? [100 + (k(e) % 2), 0, 150, 0] : OUTSIDE);

let ws: Workspace;
let scan: ScanServer;
beforeAll(async () => {
  scan = await ScanServer.start({ tls: true, user: 'scanuser', password: 'Sc4n-Pa55word' });
});
afterAll(async () => scan?.stop());
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

function processFile(extra = ''): string {
  return `nightly_scan:\n  type: scan\n  credentials: { user: "\${USERSCAN}", password: "\${PASSWORDSCAN}" }\n  tls_verify: false\n  retries: 0\n  concurrency: 4\n${extra}`;
}

async function runScan(args: string[] = [], env: Record<string, string> = {}) {
  const { code, stdout, stderr } = await runCli(['--json', '--date', DATE, ...args], { cwd: ws.dir, env: { USERSCAN: 'scanuser', PASSWORDSCAN: 'Sc4n-Pa55word', ...env } });
  if (!stdout.startsWith('{')) throw new Error(`no summary (exit ${code}): ${stderr}`);
  return { code, stderr, process: (JSON.parse(stdout) as RunSummary).processes[0]! };
}

const csv = (path: string) => ws.read(path).trim().split('\n').map((l) => l.split(','));

describe('scan', () => {
  it('collects the day over HTTPS with Basic auth, summarises it as computed by hand, and stores it', async () => {
    ws.write('sources/SCAN/BORDE', `# border routers\n${scan.serve('/mrtg/core-1.log', { body: mrtgLog(NOW, core) })};core-1;10;HUAWEI\n\n${scan.serve('/mrtg/edge/2.log', { body: mrtgLog(NOW, core) })};edge/2;0;CISCO\n`);
    ws.write('sources/SCAN/BRAS', `${scan.serve('/mrtg/bras-1.log', { body: mrtgLog(NOW, withGap) })};bras-1;1;JUNIPER\n`);
    ws.write('sources/SCAN/IPBRAS', `${scan.serve('/mrtg/users-1.log', { body: mrtgLog(NOW, users) })};users-1;0;ZTE\n`);
    ws.write('config/scan.yaml', processFile('  layers: [BORDE, BRAS, IPBRAS]\n'));
    const { code, process, stderr } = await runScan();
    expect(code).toBe(0);
    expect(process.status).toBe('success');
    expect(process.records).toEqual({ read: 288 + 288 + 276 + 288, written: 288 + 288 + 276 + 288, rejected: 0 });
    expect(process.integrity?.checks).toEqual([
      { name: 'completeness BORDE', ok: true, expected: 576, actual: 576, missing: 0 },
      { name: 'completeness BRAS', ok: true, expected: 288, actual: 276, missing: 12 },
      { name: 'completeness IPBRAS', ok: true, expected: 288, actual: 288, missing: 0 },
    ]);

    const [header, core1, edge2] = csv(`data/SCAN/DAILY_SUMMARY/BORDE/${DATE}.csv`);
    expect(header).toEqual(['layer', 'interface', 'vendor', 'capacity_gbps', 'samples', 'expected_samples', 'missing_samples', 'in_avg_bps', 'in_max_bps', 'in_p95_bps', 'out_avg_bps', 'out_max_bps', 'out_p95_bps', 'in_avg_gbps', 'in_max_gbps', 'in_p95_gbps', 'out_avg_gbps', 'out_max_gbps', 'out_p95_gbps', 'utilisation_pct']);
    expect(core1).toEqual(['BORDE', 'core-1', 'HUAWEI', '10', '288', '288', '0', '1156000', '2304008', '2192000', '4000', '4800', '4000', '0.001156', '0.002304', '0.002192', '0.000004', '0.000005', '0.000004', '0.02']);
    expect(edge2!.slice(0, 4)).toEqual(['BORDE', 'edge/2', 'CISCO', '0']);
    expect(edge2!.at(-1)).toBe(''); // capacity 0: no utilisation
    expect(stderr).toContain('BORDE edge/2: capacity 0 in the source file, so no utilisation is computed.');
    expect(csv(`data/SCAN/DAILY_SUMMARY/BRAS/${DATE}.csv`)[1]!.slice(4, 7)).toEqual(['276', '288', '12']);
    expect(stderr).toContain('BRAS bras-1: 276 of 288 samples; missing 10:00-11:00.');
    expect(csv(`data/SCAN/DAILY_SUMMARY/IPBRAS/${DATE}.csv`)).toEqual([
      ['layer', 'interface', 'vendor', 'samples', 'expected_samples', 'missing_samples', 'in_avg', 'in_max', 'out_avg', 'out_max'],
      ['IPBRAS', 'users-1', 'ZTE', '288', '288', '0', '101', '150', '0', '0'],
    ]);

    // The day's raw rows, five-minute rows only, newest first; "/" in a name is escaped in the file name. The file is
    // in the layer's archive of the day, read here with tar itself.
    const raw = execFileSync('tar', ['-xOf', ws.path(`data/SCAN/BORDE/${DATE}.tar`), `${DATE}/edge%2F2.log`], { encoding: 'utf8' }).trim().split('\n');
    expect(raw).toHaveLength(288);
    expect(raw[0]).toBe(`${END} 288000 500 288001 600`);
    expect(raw.at(-1)).toBe(`${START + 300} 1000 500 1001 600`);

    const db = new Database(ws.path('data/scan.db'), { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM scan_samples').get()).toEqual({ n: 1140 });
    expect(db.prepare("SELECT in_avg, in_max, in_p95, utilisation_pct FROM scan_daily WHERE interface = 'core-1'").get()).toEqual({ in_avg: 1156000, in_max: 2304008, in_p95: 2192000, utilisation_pct: 0.02304008 });
    db.close();
  });

  it('replaces the day when it runs again: never a duplicate', async () => {
    ws.write('sources/SCAN/BORDE', `${scan.serve('/mrtg/core-1.log', { body: mrtgLog(NOW, core) })};core-1;10;HUAWEI\n`);
    ws.write('config/scan.yaml', processFile('  layers: [BORDE]\n'));
    expect((await runScan()).code).toBe(0);
    expect((await runScan()).code).toBe(0);
    const db = new Database(ws.path('data/scan.db'), { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM scan_samples').get()).toEqual({ n: 288 });
    expect(db.prepare('SELECT count(*) AS n FROM scan_daily').get()).toEqual({ n: 1 });
    db.close();
  });

  it('fails an interface whose log no longer reaches the day, and keeps what was stored for it', async () => {
    const link = scan.serve('/mrtg/stale.log', { body: mrtgLog(NOW, core) });
    ws.write('sources/SCAN/BORDE', `${link};stale;10;HUAWEI\n`);
    ws.write('config/scan.yaml', processFile('  layers: [BORDE]\n'));
    expect((await runScan()).code).toBe(0);
    scan.serve('/mrtg/stale.log', { body: mrtgLog(NOW + 3 * 86_400, core) }); // three days later: the day is gone
    const again = await runScan();
    expect(again.code).toBe(1);
    expect(again.process.integrity?.checks[0]?.detail).toBe(`1 of 1 interfaces of BORDE failed: stale (the MRTG log has no five-minute row for ${DATE})`);
    const db = new Database(ws.path('data/scan.db'), { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM scan_samples').get()).toEqual({ n: 288 });
    db.close();
  });

  it('fails the interfaces that answer badly, goes on with the others, and says how many failed', async () => {
    const full = mrtgLog(NOW, core);
    ws.write(
      'sources/SCAN/BRAS',
      [
        `${scan.serve('/mrtg/ok.log', { body: full })};ok;1;CISCO`,
        `${scan.serve('/login.html', { body: '<!DOCTYPE html><html><body>Login</body></html>', type: 'text/plain' })};login-page;1;CISCO`,
        `${scan.url}/mrtg/nowhere.log;missing;1;CISCO`,
        // Cut in the 30-minute section: the day's rows are intact.
        `${scan.serve('/mrtg/truncated.log', { body: full.slice(0, full.length - 5000) })};truncated;1;CISCO`,
      ].join('\n'),
    );
    ws.write('config/scan.yaml', processFile('  layers: [BRAS]\n'));
    const { code, process } = await runScan();
    expect(code).toBe(1);
    expect(process.status).toBe('failed');
    expect(process.records?.read).toBe(576);
    const check = process.integrity!.checks[0]!;
    expect(check).toMatchObject({ name: 'completeness BRAS', ok: false, expected: 1152, actual: 576 });
    expect(check.detail).toBe('2 of 4 interfaces of BRAS failed: login-page (the answer is an HTML page (a login or error page?), not an MRTG log); missing (HTTP 404 for /mrtg/nowhere.log)');
    expect(process.error?.message).toContain('2 of 4 interfaces of BRAS failed');
  });

  it('reports wrong credentials for every interface', async () => {
    ws.write('sources/SCAN/BORDE', `${scan.serve('/mrtg/core-1.log', { body: mrtgLog(NOW, core) })};core-1;10;HUAWEI\n`);
    ws.write('config/scan.yaml', processFile('  layers: [BORDE]\n'));
    const { process } = await runScan([], { PASSWORDSCAN: 'wrong' });
    expect(process.integrity?.checks[0]?.detail).toBe('1 of 1 interfaces of BORDE failed: core-1 (the server refused the credentials (HTTP 401))');
  });

  it('refuses a self-signed certificate unless tls_verify is false', async () => {
    ws.write('sources/SCAN/BORDE', `${scan.serve('/mrtg/core-1.log', { body: mrtgLog(NOW, core) })};core-1;10;HUAWEI\n`);
    ws.write('config/scan.yaml', processFile('  layers: [BORDE]\n').replace('tls_verify: false', 'tls_verify: true'));
    const { process } = await runScan();
    expect(process.integrity?.checks[0]?.detail).toMatch(/core-1 \(self.signed certificate/);
  });

  it('skips bad source lines with file:line, counts them as rejected, and --validate-only reports them', async () => {
    ws.write('sources/SCAN/BORDE', `${scan.serve('/mrtg/core-1.log', { body: mrtgLog(NOW, core) })};core-1;10;HUAWEI\nhttps://x;too-few;1\nhttps://x;cap;ten;CISCO\n${scan.url}/mrtg/core-1.log;core-1;10;HUAWEI\n`);
    ws.write('config/scan.yaml', processFile('  layers: [BORDE]\n'));
    const { process, stderr } = await runScan();
    expect(process.records?.rejected).toBe(3);
    expect(stderr).toContain('sources/SCAN/BORDE:2: expected "link;interface;capacity;vendor", got 3 field(s): "https://x;too-few;1"; line skipped.');
    const validate = await runCli(['--validate-only'], { cwd: ws.dir, env: { USERSCAN: 'scanuser', PASSWORDSCAN: 'Sc4n-Pa55word' } });
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain('Warnings:\n');
    expect(validate.stdout).toContain('process "nightly_scan": sources/SCAN/BORDE:3: expected the capacity of "cap" to be a number of Gbps, got "ten"; the line will be skipped');
    expect(validate.stdout).toContain('process "nightly_scan": sources/SCAN/BORDE:4: duplicate interface "core-1"; it is already on line 1; the line will be skipped');
  });

  it('collects over plain HTTP too, for the day the process names', async () => {
    const plain = await ScanServer.start({ user: 'scanuser', password: 'Sc4n-Pa55word' });
    try {
      ws.write('sources/SCAN/CACHING', `${plain.serve('/mrtg/cache-1.log', { body: mrtgLog(NOW, core) })};cache-1;10;HUAWEI\n`);
      ws.write('config/scan.yaml', processFile(`  layers: [CACHING]\n  date: "${DATE}"\n`));
      const { code, stdout } = await runCli(['--json'], { cwd: ws.dir, env: { USERSCAN: 'scanuser', PASSWORDSCAN: 'Sc4n-Pa55word' } });
      expect(code).toBe(0);
      expect(JSON.parse(stdout).processes[0].records.read).toBe(288);
      expect(ws.exists(`data/SCAN/DAILY_SUMMARY/CACHING/${DATE}.csv`)).toBe(true);
    } finally {
      await plain.stop();
    }
  });

  it('reads file:// links on the MRTG host itself', async () => {
    ws.write('mrtg/local.log', mrtgLog(NOW, core));
    ws.write('sources/SCAN/RAI', `file://${ws.path('mrtg/local.log')};local;10;ZTE\n`);
    ws.write('config/scan.yaml', processFile('  layers: [RAI]\n'));
    const { code, process } = await runScan();
    expect(code).toBe(0);
    expect(process.records?.read).toBe(288);
  });

  it("writes a layer's summary and report once its interfaces are in, and a run stopped later keeps them", async () => {
    // BRAS's server takes the request and never answers: the run is still collecting when BORDE's files appear.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      ws.write('sources/SCAN/BORDE', `${scan.serve('/mrtg/early-1.log', { body: mrtgLog(NOW, core) })};early-1;10;HUAWEI\n`);
      ws.write('sources/SCAN/BRAS', `http://127.0.0.1:${port}/mrtg/late-1.log;late-1;1;JUNIPER\n`);
      ws.write('config/scan.yaml', processFile('  layers: [BORDE, BRAS]\n  request_timeout: 600\n'));
      const run = startCli(['--json', '--date', DATE], { cwd: ws.dir, env: { USERSCAN: 'scanuser', PASSWORDSCAN: 'Sc4n-Pa55word' } });
      const report = ws.path(`data/SCAN/DAILY_SUMMARY/BORDE/${DATE}.html`);
      await waitFor(() => existsSync(report) || run.child.exitCode !== null, undefined, "BORDE's report");
      expect(run.child.exitCode).toBeNull(); // BRAS is still being fetched
      await waitFor(() => sockets.size > 0, undefined, "BRAS's request");
      run.child.kill('SIGTERM');
      const { stdout } = await run.done;
      expect((JSON.parse(stdout) as RunSummary).processes[0]!.status).not.toBe('success');
      expect(csv(`data/SCAN/DAILY_SUMMARY/BORDE/${DATE}.csv`).map((row) => row[1])).toContain('early-1');
      expect(ws.read(`data/SCAN/DAILY_SUMMARY/BORDE/${DATE}.html`)).toContain('early-1');
      expect(readdirSync(ws.path('data/SCAN/DAILY_SUMMARY/BORDE')).sort()).toEqual([`${DATE}.csv`, `${DATE}.html`, `${DATE}.svg`]);
      expect(existsSync(ws.path(`data/SCAN/DAILY_SUMMARY/BRAS/${DATE}.csv`))).toBe(false);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('stores into InfluxDB with layer, interface and type as tags, replacing the day on a second run', async () => {
    const influx = await Influxd.start();
    try {
      ws.write('sources/SCAN/BORDE', `${scan.serve('/mrtg/core-1.log', { body: mrtgLog(NOW, core) })};core-1;10;HUAWEI\n`);
      ws.write('config/scan.yaml', processFile(`  layers: [BORDE]\n  store: { kind: influxdb, url: "${influx.url}", database: scan }\n`));
      expect((await runScan()).code).toBe(0);
      expect((await runScan()).code).toBe(0);
      const count = await influx.query('SELECT count(avg_in) FROM scan_samples GROUP BY *', 'scan');
      expect(count.results[0].series).toEqual([{ name: 'scan_samples', tags: { interface: 'core-1', layer: 'BORDE', type: 'HUAWEI' }, columns: ['time', 'count'], values: [['1970-01-01T00:00:00Z', 288]] }]);
      const daily = await influx.query('SELECT in_avg, in_p95, utilisation_pct FROM scan_daily', 'scan');
      expect(daily.results[0].series[0].values).toEqual([['2026-11-22T00:00:00Z', 1156000, 2192000, 0.02304008]]);
    } finally {
      await influx.stop();
    }
  });
});

describe('the day of a scan', () => {
  it('runs from local midnight to local midnight: 288 samples, 276 when clocks go forward, 300 when they go back', () => {
    expect(dayBounds('2026-11-22', 'UTC')).toEqual({ date: '2026-11-22', start: START, end: END, expectedSamples: 288 });
    expect(dayBounds('2026-11-22', 'America/Caracas').start).toBe(START + 4 * 3600);
    expect(dayBounds('2026-03-08', 'America/New_York').expectedSamples).toBe(276);
    expect(dayBounds('2026-11-01', 'America/New_York').expectedSamples).toBe(300);
  });
});
