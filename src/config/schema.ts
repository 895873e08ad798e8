import type { JsonSchema, PipelineDefinition } from '../core/pipeline.js';
import { commonProperties, DEFAULT_KIND } from './common-schema.js';
import { PROCESS_NAME } from './load.js';

export const SCHEMA_ID = 'process-file';

// The JSON Schema of a whole process file, built from the registry: what ajv validates and what `main schema` prints.
export function processFileSchema(kinds: readonly PipelineDefinition[]): JsonSchema {
  const definitions: Record<string, JsonSchema> = {};
  for (const def of kinds) definitions[def.kind] = kindSchema(def);
  const names = kinds.map((d) => d.kind);
  definitions.process = {
    type: 'object',
    description: 'A process: one pipeline of one kind.',
    properties: { type: { enum: names, default: DEFAULT_KIND, description: `The pipeline kind (default: ${DEFAULT_KIND}).` } },
    allOf: names.map((kind) => ({
      // The default kind's branch also applies when `type` is absent; the others need it written.
      if: kind === DEFAULT_KIND ? { properties: { type: { const: kind } } } : { properties: { type: { const: kind } }, required: ['type'] },
      then: { $ref: `#/definitions/${kind}` },
    })),
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: SCHEMA_ID,
    title: 'SysAdminToolkit process file',
    description: 'A mapping from process name to process definition. Keys starting with "." are templates for YAML anchors, not processes.',
    type: 'object',
    propertyNames: { pattern: `^(?:${PROCESS_NAME.slice(1, -1)}|\\..*)$` },
    patternProperties: { '^\\.': { description: 'A template to merge with `<<: *anchor`.' } },
    additionalProperties: { $ref: '#/definitions/process' },
    definitions,
  };
}

function kindSchema(def: PipelineDefinition): JsonSchema {
  const own = def.schema as { properties?: Record<string, JsonSchema>; required?: string[] };
  return {
    ...def.schema,
    type: 'object',
    description: def.description,
    properties: { type: { const: def.kind }, ...commonProperties, ...own.properties },
    additionalProperties: false,
  };
}
