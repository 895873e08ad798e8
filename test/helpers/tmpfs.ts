import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

// A small tmpfs for a test: a real disk that fills up. Mounting needs root; a test that cannot mount fails saying
// why (it does not skip). unmount() belongs in afterEach, so that a failed test unmounts too.
export class Tmpfs {
  private mounted = false;
  private static readonly all = new Set<Tmpfs>();

  // Unmounts every Tmpfs under `dir`: Workspace.remove() calls it, so a test's disk goes with its workspace.
  static unmountUnder(dir: string): void {
    for (const disk of Tmpfs.all) if (disk.dir === dir || disk.dir.startsWith(`${dir}/`)) disk.unmount();
  }

  constructor(
    readonly dir: string,
    size = '2m',
  ) {
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    } catch (error) {
      const why = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim();
      throw new Error(`this test needs a small tmpfs (a disk it can fill) at ${dir}, and "mount -t tmpfs" failed: ${why}. Run the tests as root.`);
    }
    this.mounted = true;
    Tmpfs.all.add(this);
  }

  path(relative: string): string {
    return join(this.dir, relative);
  }

  read(relative: string): string {
    return readFileSync(this.path(relative), 'utf8');
  }

  // Take every byte left, in `name`; free() gives them back.
  fill(name = 'filler'): void {
    const fd = openSync(this.path(name), 'a');
    const chunk = Buffer.alloc(64 * 1024, 1);
    try {
      for (let size = chunk.length; size > 0; ) {
        try {
          writeSync(fd, chunk, 0, size);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
          size >>= 1; // the last pages, down to a byte
        }
      }
    } finally {
      closeSync(fd);
    }
  }

  free(name = 'filler'): void {
    rmSync(this.path(name), { force: true });
  }

  unmount(): void {
    if (!this.mounted) return;
    this.mounted = false;
    Tmpfs.all.delete(this);
    try {
      execFileSync('umount', [this.dir], { stdio: 'pipe' });
    } catch {
      execFileSync('umount', ['--lazy', this.dir], { stdio: 'pipe' }); // still in use: detached now, gone when released
    }
  }
}
