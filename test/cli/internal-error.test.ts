import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, stillRunning, waitFor, Workspace } from '../helpers/cli.js';

// An error nobody handled inside main (a bug of ours) reaches the user as one line, never as Node's stack trace.
describe('an internal error of main', () => {
  let ws: Workspace;
  afterEach(() => ws?.remove());

  it('is said in one line, with exit 1, while a run goes on; the process it ran is stopped', async () => {
    ws = new Workspace();
    ws.write('config/a.yaml', 'waits:\n  type: command\n  run: { shell: "touch started && exec sleep 41.75" }\n');
    // Loaded before main.ts: an error thrown from a timer once the process has started.
    const fault = ws.write('fault.mjs', "import { existsSync } from 'node:fs';\nconst t = setInterval(() => { if (existsSync('started')) { clearInterval(t); throw new Error('a fault nobody caught'); } }, 20);\n");
    const r = await runCli([], { cwd: ws.dir, env: { NODE_OPTIONS: `--import=${pathToFileURL(fault).href}` } });
    expect(ws.exists('started')).toBe(true);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('main: internal error, stopping: a fault nobody caught\n');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    await waitFor(() => stillRunning('sleep 41.75') === '', undefined, 'the command to be stopped');
  });
});
