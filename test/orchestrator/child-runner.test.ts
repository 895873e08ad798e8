import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ProcessSpec } from '../../src/core/process.js';
import { runInChild, type ChildRunOptions } from '../../src/orchestrator/child-runner.js';
import type { LogMessage } from '../../src/runtime/protocol.js';
import { EVENT_MS } from '../helpers/cli.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}.ts`, import.meta.url));

function spec(overrides: Partial<ProcessSpec> = {}): ProcessSpec {
  return { name: 'job', file: 'config/a.yaml', type: 'command', enabled: true, config: { run: { argv: ['true'], inherit_env: true } }, ...overrides };
}

function options(entry: string, overrides: Partial<ChildRunOptions> = {}): ChildRunOptions & { logs: LogMessage[] } {
  const logs: LogMessage[] = [];
  return { runId: 'run-1', statePath: '/nonexistent/state.db', level: 'info', graceMs: 500, stop: new AbortController().signal, entry, onLog: (m) => logs.push(m), logs, ...overrides };
}

describe('running one process in a child process', () => {
  it('passes on the log lines and the result of a child that succeeds', async () => {
    const opts = options(fixture('child-succeeds'));
    const progress: unknown[] = [];
    const result = await runInChild(spec(), { ...opts, onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ name: 'job', type: 'command', status: 'success', records: { read: 10, written: 10, rejected: 0 } });
    expect(result.error).toBeUndefined();
    expect(opts.logs).toContainEqual(expect.objectContaining({ level: 'info', message: 'hello from job', meta: { attempt: 1 } }));
    expect(progress).toEqual([{ done: 5, total: 10, unit: 'points' }]);
  });

  it('reports a child that throws as failed, with what it printed', async () => {
    const result = await runInChild(spec(), options(fixture('child-crashes')));
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('E_CHILD_DIED');
    expect(result.error?.message).toMatch(/^the child process exited with code 1 before reporting a result: .*boom: the fixture crashed on purpose/);
  });

  it('reports a child killed by SIGKILL as failed, naming the signal and how far it got', async () => {
    const result = await runInChild(spec(), options(fixture('child-killed')));
    expect(result).toMatchObject({ status: 'failed', error: { code: 'E_CHILD_DIED' } });
    expect(result.error?.message).toBe('the child process was killed by SIGKILL (out of memory, or killed from outside) (at 1 points)');
  });

  it('kills a child that outlives its timeout and ignores SIGTERM, and reports status "timeout"', async () => {
    // The timeout counts from the start of the child, which must be up (ignoring SIGTERM) before it runs out: 3 s,
    // or three times what starting a TypeScript child takes on this machine right now.
    const startingMs = await timed(() => runInChild(spec(), options(fixture('child-succeeds'))));
    const timeout = Math.max(3, Math.ceil((3 * startingMs) / 1000));
    const started = Date.now();
    const result = await runInChild(spec({ timeout }), options(fixture('child-hangs'), { graceMs: 300 }));
    expect(result.status).toBe('timeout');
    expect(result.error).toEqual({
      code: 'E_TIMEOUT',
      message: `timed out after ${timeout} s (at 3/9 points); it did not stop within the grace period and was killed`,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(timeout * 1000 + 300);
    expect(Date.now() - started).toBeLessThan(timeout * 1000 + 12_000);
  });

  it('forwards a stop to the child with the signal main received, and reports "interrupted"', async () => {
    const stop = new AbortController();
    // A grace period the child never needs on a quiet machine, and has on a busy one.
    const opts = options(fixture('child-stops-on-signal'), { stop: stop.signal, graceMs: 30_000 });
    const running = runInChild(spec(), opts);
    await until(() => opts.logs.some((l) => l.message === 'working'));
    stop.abort('SIGINT');
    const result = await running;
    expect(result).toMatchObject({ status: 'interrupted', error: { code: 'E_INTERRUPTED', message: 'interrupted by SIGINT' } });
    expect(opts.logs.map((l) => l.message)).toContain('got SIGINT');
  });

  it('kills at once on a forced stop, without waiting for the grace period', async () => {
    const stop = new AbortController();
    const force = new AbortController();
    const opts = options(fixture('child-hangs'), { stop: stop.signal, force: force.signal, graceMs: 60_000 });
    const running = runInChild(spec(), opts);
    await new Promise((r) => setTimeout(r, 800));
    stop.abort('SIGTERM');
    force.abort('SIGTERM');
    const result = await running;
    expect(result).toMatchObject({ status: 'interrupted' });
    expect(result.error?.message).toMatch(/^interrupted by SIGTERM.*was killed$/);
  });

  it('reports a child that cannot start as failed', async () => {
    const result = await runInChild(spec(), options('/nonexistent/child.js'));
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('E_CHILD_DIED');
  });
});

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  await work();
  return Date.now() - started;
}

async function until(predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + EVENT_MS;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
