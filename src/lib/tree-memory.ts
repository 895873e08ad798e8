import { readdirSync, readFileSync } from 'node:fs';

// The peak memory of a program and everything it starts, sampled from /proc (Linux; elsewhere nothing is measured).
// At each sample: the sum, over the processes of the tree alive then, of each one's VmHWM (its own peak resident
// size so far, kept by the kernel). The peak is the largest such sum. Why VmHWM and not VmRSS: a process still
// alive at a sample brings its peak even when that peak fell between two samples. Why a sum at one instant and not
// a sum over every process seen: steps run one after another (a dump, then its compression) do not add up. What it
// misses: a process born and gone between two samples. What it counts twice: pages shared between processes.
export interface TreeMemory {
  /** Stops sampling; the peak in bytes, or undefined when no sample found the tree (it ended before the first). */
  stop(): number | undefined;
}

const SAMPLE_MS = 100;

// Samples the descendants of `rootPid` (not the root itself: the guard shell, whose forks that share its command
// line, its own watcher among them, are left out too).
export function sampleTreeMemory(rootPid: number, everyMs = SAMPLE_MS): TreeMemory {
  let peak: number | undefined;
  let rootCmdline: string | undefined;
  const sample = () => {
    rootCmdline ??= read(`/proc/${rootPid}/cmdline`);
    if (rootCmdline === undefined) return;
    let sum = 0;
    let found = false;
    const visit = (pid: number, top: boolean) => {
      if (top && read(`/proc/${pid}/cmdline`) === rootCmdline) return;
      const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(read(`/proc/${pid}/status`) ?? '');
      if (!hwm) return;
      found = true;
      sum += Number(hwm[1]) * 1024;
      for (const child of children(pid)) visit(child, false);
    };
    for (const child of children(rootPid)) visit(child, true);
    if (found) peak = Math.max(peak ?? 0, sum);
  };
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

// The children of every thread of `pid` (/proc/PID/task/TID/children: a child belongs to the thread that forked it).
function children(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  return tasks.flatMap((tid) => (read(`/proc/${pid}/task/${tid}/children`) ?? '').split(' ').filter(Boolean).map(Number));
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
