import { Ajv } from 'ajv';
import type { PipelineDefinition } from '../pipelines/types.js';
import { describeSchemaErrors, type SchemaIssue } from './messages.js';
import { processFileSchema, SCHEMA_ID } from './schema.js';

export type ProcessValidator = (definition: unknown) => SchemaIssue[];

// One ajv instance for every kind: defaults are filled in, unknown keys rejected, every error reported.
export function createValidator(kinds: readonly PipelineDefinition[]): ProcessValidator {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true });
  // An annotation read by the messages: how to say what a value should be, in words.
  ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
  ajv.addSchema(processFileSchema(kinds));
  const validate = ajv.compile({ $ref: `${SCHEMA_ID}#/definitions/process` });
  return (definition) => (validate(definition) ? [] : describeSchemaErrors(validate.errors ?? []));
}
