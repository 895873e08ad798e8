// Preloaded into `main` and its child by bench/scan/run.ts (NODE_OPTIONS=--import): at exit, each process appends
// its own CPU time (user and system, in µs) as one JSON line to the file named by SAT_BENCH_CPU_FILE. A child's
// CPU is otherwise invisible from the bench, since `main` reaps it. With SAT_BENCH_CPU_PROF=<dir> each process also
// writes a V8 CPU profile there (--cpu-prof is not allowed in NODE_OPTIONS; the inspector does the same).
import { appendFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { PerformanceObserver, constants } from 'node:perf_hooks';

const file = process.env.SAT_BENCH_CPU_FILE;
const profileDir = process.env.SAT_BENCH_CPU_PROF;
const role = process.argv[1]?.endsWith('child.js') ? 'child' : 'main';
let session;
// With a profile, also the time spent in each kind of garbage collection (the profile shows only their sum).
const gc = {};
if (profileDir) {
  const kinds = { [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge', [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks' };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = kinds[e.detail?.kind] ?? 'other';
      gc[kind] = { count: (gc[kind]?.count ?? 0) + 1, ms: Math.round((gc[kind]?.ms ?? 0) + e.duration) };
    }
  }).observe({ entryTypes: ['gc'] });
  session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  if (process.env.SAT_BENCH_HEAP_PROF) session.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
}
process.on('exit', () => {
  const { userCPUTime, systemCPUTime } = process.resourceUsage();
  // startedAt: when the process began (ms since the epoch), for the bench's timeline.
  const startedAt = Math.round(performance.timeOrigin);
  if (file) appendFileSync(file, `${JSON.stringify({ role, pid: process.pid, startedAt, endedAt: Date.now(), userUs: userCPUTime, systemUs: systemCPUTime, ...(profileDir ? { gc } : {}) })}\n`);
  // A main-thread session answers synchronously, so the profile is written before the process ends.
  session?.post('Profiler.stop', (error, result) => {
    if (!error) writeFileSync(join(profileDir, `${role}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
  if (process.env.SAT_BENCH_HEAP_PROF) {
    session?.post('HeapProfiler.stopSampling', (error, result) => {
      if (!error) writeFileSync(join(profileDir, `${role}-${process.pid}.heapprofile`), JSON.stringify(result.profile));
    });
  }
});
