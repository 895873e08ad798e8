import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../src/core/result.js';
import { runCli, Workspace } from '../helpers/cli.js';
import { mrtgLog, type Row } from '../helpers/mrtg.js';
import { ScanServer } from '../helpers/scan-server.js';

// Refused credentials: a layer whose first five answers are 401 or 403 is stopped with one error (issue 16).
const DATE = '2026-11-22';
const START = Date.UTC(2026, 10, 22) / 1000;
const NOW = START + 86_400 + 4 * 3600;
const steady = (): Row => [1000, 500, 1001, 600];
const PASSWORD = 'Sc4n-Pa55word';

let ws: Workspace;
let scan: ScanServer;
beforeAll(async () => {
  scan = await ScanServer.start({ tls: true, user: 'scanuser', password: PASSWORD });
});
afterAll(async () => scan?.stop());
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

function setUp(layers: Record<string, string[]>, concurrency: number): void {
  for (const [layer, lines] of Object.entries(layers)) ws.write(`sources/SCAN/${layer}`, `${lines.join('\n')}\n`);
  ws.write(
    'config/scan.yaml',
    `nightly_scan:\n  type: scan\n  layers: [${Object.keys(layers).join(', ')}]\n  credentials: { user: scanuser, password: "\${PASSWORDSCAN}" }\n  tls_verify: false\n  retries: 0\n  concurrency: ${concurrency}\n`,
  );
}

async function runScan(password: string) {
  const { code, stdout, stderr } = await runCli(['--json', '--date', DATE], { cwd: ws.dir, env: { PASSWORDSCAN: password } });
  if (!stdout.startsWith('{')) throw new Error(`no summary (exit ${code}): ${stderr}`);
  return { code, stdout, stderr, process: (JSON.parse(stdout) as RunSummary).processes[0]! };
}

const interfaces = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${scan.serve(`/mrtg/${prefix}-${i}.log`, { body: mrtgLog(NOW, steady) })};${prefix}-${i};10;HUAWEI`);

describe('scan, when SCAN refuses the credentials', () => {
  it('stops a layer whose first five answers are 401 with one error naming the process, the host and the status, never the password', async () => {
    setUp({ BORDE: interfaces('core', 60), BRAS: interfaces('bras', 3) }, 4);
    const before = scan.requests;
    const { code, stdout, stderr, process } = await runScan('not-the-password');
    expect(code).toBe(1);
    expect(process.status).toBe('failed');
    const host = new URL(scan.url).host;
    const borde = `credentials refused: ${host} answered HTTP 401 to the credentials for the first 5 interfaces of BORDE; the layer was stopped, 0 of its 60 interfaces collected`;
    expect(process.error).toEqual({ code: 'E_SCAN_CREDENTIALS', message: `process "nightly_scan": ${borde}` });
    expect(process.integrity?.checks[0]).toEqual({ name: 'completeness BORDE', ok: false, expected: 60 * 288, actual: 0, missing: 60 * 288, detail: borde });
    // BRAS has fewer interfaces than the probe needs: each of its three refusals is told, as before.
    expect(process.integrity?.checks[1]?.detail).toBe('3 of 3 interfaces of BRAS failed: bras-0 (the server refused the credentials (HTTP 401)); bras-1 (the server refused the credentials (HTTP 401)); bras-2 (the server refused the credentials (HTTP 401))');
    // One line for BORDE's 60 interfaces, where there was one per interface.
    const said = stderr.split('\n').filter((l) => l.includes('ERROR nightly_scan (scan): ') && !l.includes('Finished:'));
    expect(said.filter((l) => l.includes('BORDE'))).toEqual([expect.stringContaining(`credentials refused: ${host} answered HTTP 401 to the credentials for the first 5 interfaces of BORDE: the layer is stopped.`)]);
    expect(said.filter((l) => l.includes('refused the credentials (HTTP 401)'))).toHaveLength(3);
    // BORDE: the five answers and at most the 4 fetches (the concurrency) started meanwhile; BRAS: its three.
    expect(scan.requests - before).toBeLessThanOrEqual(5 + 4 + 3);
    expect(`${stdout}${stderr}${ws.readAll('data')}`).not.toContain('not-the-password');
  });

  it('goes on, telling each failure, when one of the first five answers is not a refusal', async () => {
    const forbidden = Array.from({ length: 4 }, (_, i) => `${scan.serve(`/mrtg/locked-${i}.log`, { status: 403, body: 'Forbidden' })};locked-${i};10;CISCO`);
    setUp({ RAI: [...forbidden, ...interfaces('rai', 3)] }, 1);
    const { code, process, stderr } = await runScan(PASSWORD);
    expect(code).toBe(1);
    expect(process.error?.code).toBe('E_INTEGRITY');
    expect(process.records?.read).toBe(3 * 288);
    expect(process.integrity?.checks[0]?.detail).toBe(`4 of 7 interfaces of RAI failed: ${[0, 1, 2, 3].map((i) => `locked-${i} (the server refused the credentials (HTTP 403))`).join('; ')}`);
    expect(stderr.split('\n').filter((l) => /ERROR nightly_scan \(scan\): RAI locked-\d: the server refused the credentials \(HTTP 403\)/.test(l))).toHaveLength(4);
    expect(stderr).not.toContain('credentials refused:');
  });
});
