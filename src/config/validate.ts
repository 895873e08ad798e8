import { Ajv, type SchemaValidateFunction, type ValidateFunction } from 'ajv';
import type { DataValidationCxt } from 'ajv/dist/types/index.js';
import type { JsonSchema, PipelineDefinition } from '../core/pipeline.js';
import { describeSchemaErrors, type SchemaIssue } from './messages.js';
import { processFileSchema } from './schema.js';
import { parseDuration } from '../lib/duration.js';
import { readUrl } from '../lib/url.js';

export type ProcessValidator = (definition: unknown) => SchemaIssue[];

// One ajv instance for every kind: defaults are filled in, unknown keys rejected, every error reported.
// The schema is compiled a kind at a time, when a process of that kind is first validated: compiling every kind's
// schema took ajv 0.5–0.8 s at every start of `main`, and a config rarely holds every kind. The result is the same
// as validating against `#/definitions/process`: its `type` first, then the `then` branch its type selects.
export function createValidator(kinds: readonly PipelineDefinition[]): ProcessValidator {
  const ajv = newAjv();
  // Kinds' schemas hold no `$ref`: each compiles alone (a fragment of the whole file would compile all of it).
  const definitions = processFileSchema(kinds).definitions as Record<string, JsonSchema>;
  const process = definitions.process as { type: string; properties: { type: JsonSchema } };
  const validateType = ajv.compile({ type: process.type, properties: process.properties });
  const byKind = new Map<string, ValidateFunction>();
  const kindValidator = (kind: string) => {
    let validate = byKind.get(kind);
    if (!validate) byKind.set(kind, (validate = ajv.compile(definitions[kind]!)));
    return validate;
  };
  return (definition) => {
    if (!validateType(definition)) return describeSchemaErrors(validateType.errors ?? []);
    const validate = kindValidator(String((definition as { type: string }).type));
    return validate(definition) ? [] : describeSchemaErrors(validate.errors ?? []);
  };
}

// A validator of any schema written with the same keywords (the shared defaults file).
export function createSchemaValidator(schema: JsonSchema): ProcessValidator {
  const validate = newAjv().compile(schema);
  return (value) => (validate(value) ? [] : describeSchemaErrors(validate.errors ?? []));
}

// `checkSchemas`: check each schema against JSON Schema's meta-schema first. Our schemas are checked so by a test
// (test/config/schemas.test.ts), not at every start of `main`, where compiling the meta-schema cost ~20 ms; and
// ajv's optimisation of the code it generates (~35 ms) is skipped, for a code run once per process file.
export function newAjv(checkSchemas = false): Ajv {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictRequired: false, allowUnionTypes: true, verbose: true, validateSchema: checkSchemas, code: { optimize: checkSchemas } });
  // Annotations read by the messages: how to say what a value should be, and why a maximum is what it is.
  ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'x-why', schemaType: 'string' });
  // A file or folder, read from the project folder (paths.ts lists them for `--validate-only -v`).
  ajv.addKeyword({ keyword: 'x-path', schemaType: 'boolean' });
  ajv.addKeyword({ keyword: 'x-url', type: 'string', schemaType: 'array', modifying: true, errors: true, validate: takeApartUrl });
  ajv.addKeyword({ keyword: 'x-duration', type: 'string', schemaType: 'boolean', modifying: true, errors: true, validate: durationToSeconds });
  return ajv;
}

// `x-url: [schemes]`: the URL parses, and its credentials move to the sibling `user` and `password`, so that the
// URL a runner connects to, logs or puts in a message never holds a password.
const takeApartUrl: SchemaValidateFunction = function (schemes: string[], data: string, schema?: Record<string, unknown>, cxt?: DataValidationCxt): boolean {
  // ajv gives a keyword's own errors no parentSchema: the words of `x-expected` travel in the params.
  const expected = schema?.['x-expected'];
  const fail = (params: Record<string, unknown>) => ((takeApartUrl.errors = [{ keyword: 'x-url', message: 'is not a URL', params: { ...params, expected } }]), false);
  const reading = readUrl(data, schemes);
  if (!reading.ok) return fail({ shown: reading.shown, why: reading.why });
  const { url, user, password } = reading.parts;
  const parent = cxt?.parentData as Record<string, unknown> | undefined;
  if (!parent || cxt?.parentDataProperty === undefined) return true;
  for (const [key, value] of [['user', user], ['password', password]] as const) {
    if (value === undefined) continue;
    if (parent[key] !== undefined && parent[key] !== value) return fail({ conflict: key });
    parent[key] = value;
  }
  parent[cxt.parentDataProperty] = url;
  return true;
};

// `x-duration`: a duration written with units ("5m") becomes its seconds in the definition, within the bounds its
// schema gives numbers. A string that is no duration is left to `pattern`, whose error the messages word.
const durationToSeconds: SchemaValidateFunction = function (_on: boolean, data: string, schema?: Record<string, unknown>, cxt?: DataValidationCxt): boolean {
  const seconds = parseDuration(data);
  if (seconds === undefined) return true;
  const fail = (params: Record<string, unknown>) => ((durationToSeconds.errors = [{ keyword: 'x-duration', message: 'is out of range', params: { ...params, why: schema?.['x-why'] } }]), false);
  if (!(seconds > 0)) return fail({ above: 0 });
  const maximum = schema?.maximum;
  if (typeof maximum === 'number' && seconds > maximum) return fail({ maximum, seconds });
  const parent = cxt?.parentData as Record<string | number, unknown> | undefined;
  if (parent && cxt?.parentDataProperty !== undefined) parent[cxt.parentDataProperty] = seconds;
  return true;
};
