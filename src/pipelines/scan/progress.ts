import { onAbort } from '../../lib/abort.js';
import type { PipelineContext, Progress } from '../types.js';

// Progress told at most every `everyMs`, the latest always told in the end: a message to the parent for each of
// thousands of interfaces cost the child a pipe write each (a twentieth of its CPU in a profile), and the parent as
// much to read them, for a display that redraws once a second. Once the run is stopped every count goes out at
// once, so the parent's "(at 1500/2000 interfaces)" stays exact.
export function throttledProgress(ctx: PipelineContext, everyMs = 100): { report(progress: Progress): void; close(): void } {
  let last = 0;
  let pending: Progress | undefined;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (pending) ctx.progress(pending);
    pending = undefined;
    last = Date.now();
  };
  const forget = onAbort(ctx.signal, flush);
  return {
    report(progress) {
      pending = progress;
      if (ctx.signal.aborted || progress.done === progress.total || Date.now() - last >= everyMs) flush();
      else timer ??= setTimeout(flush, everyMs - (Date.now() - last));
    },
    close() {
      flush();
      forget();
    },
  };
}
