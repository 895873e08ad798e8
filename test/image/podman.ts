import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnTied } from '../helpers/tied.js';

// Debian's podman as this machine can run it: runc (crun fails here with "cgroups in hybrid mode not supported"),
// cgroupfs (no systemd), no default ulimits, and the host's network for builds and containers (no bridge here).
// Every container and volume the tests make carries LABEL, so that a run killed half-way is cleaned by the next.
export const LABEL = 'sysadmintoolkit.image-test=1';

const CONTAINERS_CONF = `[containers]
default_ulimits = []

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
`;

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

// What a missing tool is, and how to get it (.ci/run installs them all).
export function requireTools(): void {
  const missing = [
    ['podman', ['--version'], 'podman'],
    ['runc', ['--version'], 'runc'],
    ['debootstrap', ['--version'], 'debootstrap'],
  ].filter(([tool, args]) => spawnSync(tool as string, args as string[], { stdio: 'ignore' }).error);
  if (missing.length) {
    const packages = missing.map(([, , pkg]) => pkg).join(' ');
    throw new Error(`${missing.map(([t]) => t).join(', ')} not installed: the image test builds the image with podman (runtime runc) on a base image made by debootstrap. On Debian, as root: apt-get install -y ${packages} (.ci/run does this).`);
  }
  if (process.getuid?.() !== 0) throw new Error('the image test runs podman as root (debootstrap and a chroot make the base image): run it as root, as CI does');
}

export class Podman {
  private readonly confDir = mkdtempSync(join(tmpdir(), 'sat-podman-'));
  readonly env: NodeJS.ProcessEnv;

  constructor() {
    const conf = join(this.confDir, 'containers.conf');
    writeFileSync(conf, CONTAINERS_CONF);
    this.env = { ...process.env, CONTAINERS_CONF: conf };
  }

  // podman with these settings; resolves with what it printed, whatever its exit code. `input` goes to its stdin.
  run(args: string[], options: { input?: NodeJS.ReadableStream; echo?: boolean } = {}): Promise<Result> {
    return new Promise((resolve, reject) => {
      const child = spawnTied('podman', args, { env: this.env, stdio: [options.input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d: Buffer) => {
        stdout += d;
        if (options.echo) process.stdout.write(d);
      });
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d;
        if (options.echo) process.stderr.write(d);
      });
      if (options.input) options.input.pipe(child.stdin!);
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  // Like run, but a non-zero exit is an error that names the command and shows its output.
  async ok(args: string[], options: { input?: NodeJS.ReadableStream; echo?: boolean } = {}): Promise<string> {
    const r = await this.run(args, options);
    if (r.code !== 0) throw new Error(`podman ${args.join(' ')} exited ${r.code}:\n${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  // A container's log as it grows (podman logs -f, which ends when the container does), for waiting on a line.
  follow(container: string): { text: () => string; ended: () => boolean; stop: () => void } {
    const child = spawn('podman', ['logs', '-f', container], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let ended = false;
    child.stdout.on('data', (d: Buffer) => (text += d));
    child.stderr.on('data', (d: Buffer) => (text += d));
    child.on('close', () => (ended = true));
    return { text: () => text, ended: () => ended, stop: () => void child.kill('SIGKILL') };
  }

  // Every container and volume of the image tests, running or not: at the start (a killed run's) and at the end.
  async removeLabelled(): Promise<void> {
    const ids = (await this.ok(['ps', '-aq', '--filter', `label=${LABEL}`])).split('\n').filter(Boolean);
    if (ids.length) await this.ok(['rm', '-f', '-t', '0', ...ids]);
    const volumes = (await this.ok(['volume', 'ls', '-q', '--filter', `label=${LABEL}`])).split('\n').filter(Boolean);
    if (volumes.length) await this.ok(['volume', 'rm', '-f', ...volumes]);
  }

  dispose(): void {
    rmSync(this.confDir, { recursive: true, force: true });
  }
}
