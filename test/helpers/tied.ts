import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

// `setpriv --pdeathsig` (util-linux, on every Debian) makes the kernel signal a process when the test process that
// started it dies: a test that times out, or a worker vitest kills, leaves no server or CLI running behind it.
const setpriv = spawnSync('setpriv', ['--help'], { stdio: 'ignore' }).status === 0;

// Spawns `command` tied to this process: `signal` reaches it when this process ends, however it ends.
export function spawnTied(command: string, args: readonly string[], options: SpawnOptions, signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): ChildProcess {
  return setpriv ? spawn('setpriv', ['--pdeathsig', signal, '--', command, ...args], options) : spawn(command, args, options);
}
