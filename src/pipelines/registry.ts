import { adatrap } from './adatrap/index.js';
import { command } from './command/index.js';
import { influxdbCopy } from './influxdb-copy/index.js';
import { logs } from './logs/index.js';
import { scan } from './scan/index.js';
import type { PipelineDefinition } from '../core/pipeline.js';

// Every pipeline kind this build knows, by name. A new kind is a folder under src/pipelines/ and one line here.
export const registry: ReadonlyMap<string, PipelineDefinition> = new Map(
  [influxdbCopy, scan, logs, adatrap, command].map((definition) => [definition.kind, definition as PipelineDefinition]),
);

export const kinds = (): PipelineDefinition[] => [...registry.values()];
