import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertLive, runningTest } from './test-life.js';
import { spawnTied } from './tied.js';
import { Tmpfs } from './tmpfs.js';

export const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

// A throwaway working folder with process files in it; removed after the test.
export class Workspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'sat-test-'));

  write(relative: string, text: string): string {
    assertLive(`writing ${relative}`);
    const path = join(this.dir, relative);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return path;
  }

  read(relative: string): string {
    return readFileSync(join(this.dir, relative), 'utf8');
  }

  exists(relative: string): boolean {
    return existsSync(join(this.dir, relative));
  }

  // Every file below `relative`, concatenated: for "this text appears nowhere" checks.
  readAll(relative = '.'): string {
    const root = join(this.dir, relative);
    if (!existsSync(root)) return '';
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(join(e.parentPath, e.name)).toString('latin1'))
      .join('\n');
  }

  path(relative: string): string {
    return join(this.dir, relative);
  }

  remove(): void {
    Tmpfs.unmountUnder(this.dir); // a disk a test mounted in it
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// The CLIs started by a test (not by a beforeAll) that still run, by test: stopped when it ends, however it ends
// (per-test.ts).
const started = new Map<ChildProcess, number>();

// Start the compiled CLI in `cwd`; the caller may signal it.
export function startCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): { child: ChildProcess; done: Promise<CliResult> } {
  assertLive(`starting main ${args.join(' ')}`);
  // SIGTERM when the test process dies: main stops its children and exits, as it does for a user's Ctrl-C.
  const child = spawnTied(process.execPath, [MAIN, ...args], { cwd: options.cwd, env: { ...process.env, NO_COLOR: '1', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] }, 'SIGTERM');
  const owner = runningTest();
  if (owner !== undefined) started.set(child, owner);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => (started.delete(child), resolve({ code, stdout, stderr }))));
  return { child, done };
}

// Stops every CLI still running: SIGTERM (main stops its own children), then SIGKILL after 10 s. A test that timed
// out leaves none behind, to go on writing where the next test works.
export async function stopStarted(test: number): Promise<string[]> {
  const left = [...started].filter(([, owner]) => owner === test).map(([child]) => child);
  const stopped = left.map((child) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('close', () => resolve()))));
  for (const child of left) child.kill('SIGTERM');
  const timer = setTimeout(() => left.forEach((child) => child.kill('SIGKILL')), 10_000);
  await Promise.all(stopped);
  clearTimeout(timer);
  return left.map((child) => String(child.spawnargs.slice(-3).join(' ')));
}

export function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  return startCli(args, options).done;
}

// How long a test waits for an event before it fails: the bound for a hang, not a guess at how long the event takes.
// Generous, because on a busy machine starting a CLI alone can take ten seconds; an event that comes is not waited for.
export const EVENT_MS = 60_000;

// Resolves when `predicate` holds for the text read so far, polling; fails after `ms`.
export async function waitFor(predicate: () => boolean, ms = EVENT_MS, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// How long starting `main` takes on this machine right now (a bare `main --version`). A test that bounds a duration
// ("exits at once", "without delaying the exit") adds a few of these, so the bound holds on a busy machine and still
// catches a retry, a wait or a hang that the bound is there for.
export async function cliStartMs(): Promise<number> {
  const started = Date.now();
  const r = await runCli(['--version'], { cwd: process.cwd() });
  if (r.code !== 0) throw new Error(`main --version failed: ${r.stderr}`);
  return Date.now() - started;
}

// The processes whose command line matches `pattern` ("" when none): for "nothing outlives its run" checks.
export function stillRunning(pattern: string): string {
  try {
    return execFileSync('pgrep', ['-af', pattern], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

export const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

// `shell` in a pseudo-terminal of 100×30 (util-linux `script`); what the terminal showed comes back (stdout and
// stderr, as one).
export function runUnderTerminal(shell: string, cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; screen: string }> {
  const child = spawn('script', ['-qefc', `stty cols 100 rows 30; ${shell}`, '/dev/null'], {
    cwd,
    env: { ...process.env, TERM: 'xterm-256color', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout!.on('data', (d) => (screen += d));
  child.stderr!.on('data', (d) => (screen += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, screen })));
}
