import type { PipelineDefinition } from '../core/pipeline.js';

// One kind's definition, imported when a child runs it: the child of a `command` process loads `command`, not the
// other kinds (registry.ts, which the parent uses to check every process, imports them all). A kind of
// registry.ts needs its line here too; test/pipelines/registry.test.ts checks that both agree.
const loaders: Record<string, () => Promise<PipelineDefinition>> = {
  'influxdb-copy': async () => (await import('./influxdb-copy/index.js')).influxdbCopy as PipelineDefinition,
  scan: async () => (await import('./scan/index.js')).scan as PipelineDefinition,
  logs: async () => (await import('./logs/index.js')).logs as PipelineDefinition,
  adatrap: async () => (await import('./adatrap/index.js')).adatrap as PipelineDefinition,
  command: async () => (await import('./command/index.js')).command as PipelineDefinition,
};

// The definition of `kind`, or undefined for a kind this build does not know.
export async function loadKind(kind: string): Promise<PipelineDefinition | undefined> {
  return Object.hasOwn(loaders, kind) ? loaders[kind]!() : undefined;
}

export const loadableKinds = (): string[] => Object.keys(loaders);
