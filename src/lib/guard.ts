import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

// A program run by `main` itself (a `command` process, which has no Node child of its own) must not outlive `main`,
// even a `main` killed by SIGKILL. So it runs under a guard: a /bin/sh, leader of the program's process group, whose
// stdin is a pipe from `main`. A watcher the guard forks blocks reading that pipe; it reads end-of-file only when
// `main` is gone, however it went, and then does what a Node child did on losing its parent: SIGTERM to the group,
// SIGKILL after the grace. No setpriv (pdeathsig) and no race with a `main` that dies while the guard starts: a pipe
// whose writer is gone reads as ended, whenever it is read.
// - fd 4 keeps the pipe for the watcher (an asynchronous list's stdin is /dev/null); fd 5 keeps stderr for the
//   program, while the guard's own stderr goes to /dev/null: dash reports a child killed by a signal ("Killed") there.
// - The program runs in a subshell that execs it: in the foreground (an asynchronous list would start it with
//   SIGINT ignored), its parent is the guard (`$PPID` in a script), and its status is the guard's exit code.
// - The guard traps nothing: a signal that reaches it from outside ends it, which `main` sees and acts on.
const GUARD = `g=$1; shift
exec 4<&0 5>&2 2>/dev/null
{ trap '' TERM INT HUP; read -r line <&4; kill -TERM 0; sleep "$g"; kill -KILL 0; } >/dev/null 5>&- &
exec 4<&-
( exec "$@" 2>&5 5>&- </dev/null )
exit $?`;

export interface GuardedSpawnOptions {
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** Seconds between the SIGTERM and the SIGKILL the watcher sends when `main` is gone. */
  graceSeconds: number;
}

// `file args…` under the guard, in a new process group whose id is the returned child's pid. Keep its stdin open
// until the group is no longer needed: closing it (or dying) stops the group.
export function spawnGuarded(file: string, args: readonly string[], options: GuardedSpawnOptions): ChildProcess {
  return spawn('/bin/sh', ['-c', GUARD, 'main', String(options.graceSeconds), file, ...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
}

const SIGNALS = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name as NodeJS.Signals]));

// The program's end, from the guard's exit code: like any shell, the guard reports a program killed by signal N
// as 128 + N, so 129 to 128 + the highest signal read as that signal (a program that exits 137 itself reads as killed by SIGKILL).
export function programEnd(guardExitCode: number): { exitCode: number | null; signal: NodeJS.Signals | null } {
  const signal = guardExitCode > 128 ? SIGNALS.get(guardExitCode - 128) : undefined;
  return signal ? { exitCode: null, signal } : { exitCode: guardExitCode, signal: null };
}
