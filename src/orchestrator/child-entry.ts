import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The child entry next to this module: compiled `.js` under dist/, or `.ts` when run from source (tsx, vitest).
export function defaultChildEntry(): string {
  const here = fileURLToPath(import.meta.url);
  return fileURLToPath(new URL(`../runtime/child${extname(here)}`, import.meta.url));
}

// Young-generation semi-spaces of 16 MB, Node 20's size. Node 22 and later size them from the heap limit: a
// `logs` child streaming a million lines then peaked at 310 MB instead of 195 MB, no faster (bench:logs, Node 24).
const SEMI_SPACE = '--max-semi-space-size=16';

// Node flags for a child running `entry`: a TypeScript entry needs tsx's loader, resolved from this package.
// No --enable-source-maps for compiled children: it reads every module's map at start-up (+7 ms a child, measured).
export function childExecArgv(entry: string): string[] {
  if (!entry.endsWith('.ts')) return [SEMI_SPACE];
  const loader = createRequire(import.meta.url).resolve('tsx');
  return [SEMI_SPACE, '--import', pathToFileURL(loader).href];
}
