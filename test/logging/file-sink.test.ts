import { readdirSync, readFileSync } from 'node:fs';
import winston from 'winston';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSink, type FileSinkOptions } from '../../src/logging/file-sink.js';
import { waitFor, Workspace, EVENT_MS } from '../helpers/cli.js';
import { Tmpfs } from '../helpers/tmpfs.js';

let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove()); // and the disk a test mounted in it

// A logger writing `message` lines to one FileSink, and what the sink reported.
function logTo(filename: string, options: Partial<FileSinkOptions> = {}) {
  const troubles: string[] = [];
  const sink = new FileSink({ filename, format: winston.format.printf((i) => String(i.message)), maxBytes: 1 << 20, maxFiles: 5, onTrouble: (m) => troubles.push(m), ...options });
  const logger = winston.createLogger({ transports: [sink] });
  // Log lines `from`..`to`, and resolve once the sink has them all (winston hands them over through a stream).
  const lines = async (from: number, to: number) => {
    for (let i = from; i <= to; i++) logger.info(`line ${i}`);
    await waitFor(() => logger.readableLength === 0 && sink.writableLength === 0, EVENT_MS, 'the lines to reach the sink');
  };
  return { sink, troubles, lines };
}

describe('a log file sink', () => {
  it('rotates at maxBytes, keeping maxFiles files, the newest under the plain name (as winston did)', async () => {
    const { sink, lines } = logTo(ws.path('logs/app.log'), { maxBytes: 100, maxFiles: 3 });
    for (let i = 1; i <= 40; i++) {
      await lines(i, i);
      await sink.flush();
    }
    await sink.drain(1000);
    expect(readdirSync(ws.path('logs')).sort()).toEqual(['app.log', 'app1.log', 'app2.log']);
    const all = ['app2.log', 'app1.log', 'app.log'].map((f) => readFileSync(ws.path(`logs/${f}`), 'utf8')).join('');
    expect(all.trim().split('\n').at(-1)).toBe('line 40');
    for (const f of ['app1.log', 'app2.log']) expect(readFileSync(ws.path(`logs/${f}`), 'utf8').length).toBeGreaterThanOrEqual(100);
    expect(sink.loss).toBeUndefined();
  });

  it('holds the lines while the disk is full, says so once, and writes them all when it has room again', async () => {
    const disk = new Tmpfs(ws.path('disk'), '1m');
    const { sink, troubles, lines } = logTo(disk.path('app.log'));
    disk.fill();
    await lines(1, 500);
    await waitFor(() => troubles.length > 0, EVENT_MS, 'the failure to be told');
    await lines(501, 1000);
    disk.free();
    await waitFor(() => troubles.length > 1, EVENT_MS, 'the file to be written again');
    await sink.drain(5000);
    expect(troubles).toEqual([
      `Cannot write the log file ${disk.path('app.log')}: ENOSPC: no space left on device, write. Its lines are held (at most 10000) and written when it can be; lines lost are counted. The processes go on.`,
      `The log file ${disk.path('app.log')} is written again.`,
    ]);
    // Every line, once and in order; a line the full disk cut in two is left on its own line.
    const written = disk.read('app.log').split('\n').filter((l) => /^line \d+$/.test(l));
    expect(written).toEqual(Array.from({ length: 1000 }, (_, i) => `line ${i + 1}`));
    expect(sink.loss).toBeUndefined();
  });

  it('counts what it could not write by the end, and the lines it dropped beyond what it holds', async () => {
    const disk = new Tmpfs(ws.path('disk'), '1m');
    const { sink, troubles, lines } = logTo(disk.path('app.log'), { maxPending: 100 });
    disk.fill();
    await lines(1, 300);
    await sink.drain(2000);
    expect(troubles).toHaveLength(1);
    expect(sink.loss).toEqual({ file: disk.path('app.log'), error: 'ENOSPC: no space left on device, write', linesLost: 300 });
  });
});
