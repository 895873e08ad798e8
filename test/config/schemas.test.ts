import { describe, expect, it } from 'vitest';
import { commonProperties } from '../../src/config/common-schema.js';
import { housekeepingSchema } from '../../src/config/housekeeping-schema.js';
import { processFileSchema } from '../../src/config/schema.js';
import { newAjv } from '../../src/config/validate.js';
import { kinds } from '../../src/pipelines/registry.js';

// `main` compiles its schemas without checking them against JSON Schema's meta-schema (it cost every start); this
// is where they are checked, every kind's and the shared defaults', with ajv's strict mode as at run time.
describe('the schemas main validates with', () => {
  it('are valid draft-07 schemas, every kind of the registry included', () => {
    const ajv = newAjv(true);
    expect(() => ajv.compile(processFileSchema(kinds()))).not.toThrow();
    expect(() => ajv.compile({ type: 'object', properties: { ...commonProperties, housekeeping: housekeepingSchema } })).not.toThrow();
  });

  it('fails on a schema the meta-schema refuses (the check above can fail)', () => {
    expect(() => newAjv(true).compile({ type: 'object', properties: { a: { type: 'strin' } } })).toThrow(/schema is invalid/);
    expect(() => newAjv(true).compile({ type: 'object', properties: { a: { minimum: 'one' } } })).toThrow(/schema is invalid/);
  });
});
