// The image's HEALTHCHECK: a check that fits the role the container runs, read from its command line.
//   main schedule …      `main health` on the scheduler's own --state: its heartbeat is recent, its pid alive.
//   main worker …        the worker holds a connection to the Redis port of its --queue (a worker that lost its
//                        queue takes no job until it reconnects: unhealthy until then).
//   main logs serve …    something listens on its --port.
//   anything else        healthy: a one-shot `main` (a run, --validate-only, history …) is judged by its exit code.
// The checks of the worker and `logs serve` read the container's own sockets (/proc/net/tcp*): no connection is
// made, so the services log nothing for them. With --network host those are the host's sockets, and these two
// checks say less. Exit 0 healthy, 1 unhealthy, with one line saying why (what `docker inspect` shows).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAIN = '/app/dist/main.js';

// PID 1 is tini (or docker-init running tini): its command line holds the container's whole command.
function containerArgs() {
  const argv = readFileSync('/proc/1/cmdline', 'utf8').split('\0').filter(Boolean);
  const at = argv.indexOf(MAIN);
  return at < 0 ? undefined : argv.slice(at + 1);
}

// The value of an option given as `--name value` or `--name=value`.
function option(args, name) {
  for (const [i, arg] of args.entries()) {
    if (arg === name) return args[i + 1];
    if (arg.startsWith(`${name}=`)) return arg.slice(name.length + 1);
  }
  return undefined;
}

// Ports of the container's TCP sockets in a state: 0A listening, 01 established (local or remote side).
function socketPorts(state, side) {
  const ports = new Set();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // no IPv6 in this kernel
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local, remote, st] = line.trim().split(/\s+/);
      if (st !== state) continue;
      ports.add(parseInt((side === 'local' ? local : remote).split(':')[1], 16));
    }
  }
  return ports;
}

function answer(healthy, why) {
  (healthy ? process.stdout : process.stderr).write(`${healthy ? 'healthy' : 'unhealthy'}: ${why}\n`);
  process.exit(healthy ? 0 : 1);
}

const args = containerArgs();
if (!args) answer(false, `PID 1 does not run ${MAIN} (the entrypoint was replaced?)`);
const role = args[0] === 'logs' ? `logs ${args[1]}` : args[0];

if (role === 'schedule') {
  const state = option(args, '--state') ?? './data/state.db';
  const r = spawnSync(process.execPath, [MAIN, 'health', '--state', state], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
} else if (role === 'worker') {
  const queue = option(args, '--queue');
  let port = 6379;
  try {
    port = Number(new URL(queue).port || 6379);
  } catch {
    answer(false, `worker with no valid --queue (${queue})`);
  }
  if (socketPorts('01', 'remote').has(port)) answer(true, `worker connected to its queue's port ${port}`);
  answer(false, `worker holds no connection to its queue ${new URL(queue).host}: is Redis reachable?`);
} else if (role === 'logs serve') {
  const port = Number(option(args, '--port'));
  const listening = socketPorts('0A', 'local');
  if (port === 0 ? listening.size > 0 : listening.has(port)) answer(true, `logs serve listening on port ${port || [...listening].join(', ')}`);
  answer(false, `logs serve is not listening on port ${port}`);
} else {
  answer(true, `a one-shot \`main ${args[0] ?? ''}\`: its exit code is its health`);
}
