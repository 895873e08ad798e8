import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, Workspace } from '../helpers/cli.js';
import { serve } from './console-under-test.js';

// `main serve` over HTTP, without a browser: who it lets in, and how it answers what it cannot.
let ws: Workspace;
beforeEach(() => (ws = new Workspace()));
afterEach(() => ws.remove());

const TOKEN = 'n3twork-T0ken-e2e-9v2m';

describe('main serve', () => {
  it('refuses to listen on another address than loopback without a token, saying how to give one', async () => {
    const r = await runCli(['serve', '--host', '0.0.0.0', '--port', '0'], { cwd: ws.dir, env: { SAT_CONSOLE_TOKEN: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^main: serving on 0\.0\.0\.0 needs a token, .*--token-file FILE.*SAT_CONSOLE_TOKEN/);
    expect(r.stderr).not.toMatch(/console at/);
  });

  it('refuses a token shorter than 16 characters, and a token file it cannot read, naming it', async () => {
    const short = await runCli(['serve', '--port', '0'], { cwd: ws.dir, env: { SAT_CONSOLE_TOKEN: 'short' } });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('the token has 5 characters; use at least 16');
    expect(short.stderr).not.toContain('short\n');
    const missing = await runCli(['serve', '--port', '0', '--token-file', 'nowhere/token'], { cwd: ws.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('main: cannot read the token file "nowhere/token": ENOENT\n');
  });

  it('with a token (from SAT_CONSOLE_TOKEN) answers 401 to requests without it, and never puts it in an answer', async () => {
    const s = await serve(ws.dir, ['--host', '0.0.0.0'], { SAT_CONSOLE_TOKEN: TOKEN });
    const url = s.url.replace('0.0.0.0', '127.0.0.1');
    const bodies: string[] = [];
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const answer = await fetch(`${url}${path.slice(1)}`, { headers, redirect: 'manual' });
      const body = await answer.text();
      bodies.push(body, JSON.stringify([...answer.headers]));
      return { status: answer.status, body, headers: answer.headers };
    };
    for (const path of ['/', '/processes', '/runs/x', '/scan', '/api/v1/runs', '/api/v1/processes', '/api/v1/scan/days', '/metrics', '/login-not', '/nowhere']) {
      expect((await get(path)).status, path).toBe(401);
      expect((await get(path, { authorization: 'Bearer wrong-token-of-some-length' })).status, path).toBe(401);
    }
    expect((await get('/api/v1/runs')).body).toBe('{"error":"a token is needed"}');
    expect((await get('/api/v1/runs', { authorization: `Bearer ${TOKEN}` })).body).toBe('{"runs":[]}');
    expect((await get('/login?token=wrong-token-of-some-length')).status).toBe(401);
    const login = await get(`/login?token=${TOKEN}`);
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/');
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^sat_console=[\w-]+; Path=\/; HttpOnly; SameSite=Strict$/);
    const page = await get('/', { cookie: cookie.split(';')[0]! });
    expect(page.status).toBe(200);
    expect(page.body).toContain('No runs match.');
    expect((await get('/', { cookie: 'sat_console=forged' })).status).toBe(401);
    expect(bodies.join('\n')).not.toContain(TOKEN);
    expect((await s.stop()).code).toBe(0);
  });

  it('reads a store not created yet as empty, and refuses bad filters and unknown runs with what is wrong', async () => {
    const s = await serve(ws.dir);
    const get = async (path: string) => {
      const answer = await fetch(`${s.url}${path.slice(1)}`);
      return { status: answer.status, body: await answer.text() };
    };
    expect(await get('/api/v1/runs')).toEqual({ status: 200, body: '{"runs":[]}' });
    // Nothing ran, nothing runs, and there is no config folder to read schedules from (said, not an error).
    expect(await get('/api/v1/processes')).toEqual({ status: 200, body: '{"processes":[],"running":[],"schedules":{"problem":"config: config folder does not exist"}}' });
    expect(await get('/api/v1/runs?status=bogus')).toEqual({ status: 400, body: '{"error":"expected status to be one of success, failed, interrupted, running, abandoned, got \\"bogus\\""}' });
    expect(await get('/api/v1/runs/nope')).toEqual({ status: 404, body: '{"error":"no run nope in the state store"}' });
    const badPage = await get('/?since=<b>yesterday</b>');
    expect(badPage.status).toBe(400);
    expect(badPage.body).toContain('got &quot;&lt;b&gt;yesterday&lt;/b&gt;&quot;');
    expect((await get('/runs/%3Cscript%3E')).body).toContain('no run &lt;script&gt; in the state store');
    expect((await get('/nowhere')).status).toBe(404);
    expect((await get('/scan')).body).toContain('No scan database at ./data/scan.db');
    expect(await get('/api/v1/scan/days')).toEqual({ status: 200, body: '{"days":[]}' });
    expect(ws.exists('data/state.db')).toBe(false);
    expect((await s.stop()).code).toBe(0);
  });

  it('answers 503 naming the scan database when it is not one, and goes on serving the rest', async () => {
    ws.write('data/scan.db', 'not a database, but a file of text long enough to be read as a header of one');
    const s = await serve(ws.dir);
    const scan = await fetch(`${s.url}api/v1/scan/days`);
    expect(scan.status).toBe(503);
    expect(await scan.json()).toEqual({ error: 'cannot read the scan database ./data/scan.db: file is not a database' });
    expect((await fetch(`${s.url}scan`)).status).toBe(503);
    expect((await fetch(`${s.url}api/v1/runs`)).status).toBe(200);
    expect((await s.stop()).code).toBe(0);
  });
});
