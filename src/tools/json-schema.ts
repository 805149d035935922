import Ajv, { type ErrorObject } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';

/** A JSON Schema object (draft-07 or 2020-12), as MCP servers and OpenAPI documents describe tool inputs. */
export type JsonSchema = Record<string, unknown>;

/** One validator per draft; `strict: false` because real-world schemas carry keywords ajv does not know. */
const validators = {
  draft7: new Ajv({ allErrors: true, strict: false, useDefaults: true }),
  draft2020: new Ajv2020({ allErrors: true, strict: false, useDefaults: true }),
};

/** Older drafts say so in `$schema`; everything else is read as 2020-12. */
function validatorFor(schema: JsonSchema): Ajv {
  const declared = typeof schema.$schema === 'string' ? schema.$schema : '';
  return /draft-0[4-7]/.test(declared) ? validators.draft7 : validators.draft2020;
}

/** `path: message`, in the words the zod checks use, so a model reads the same kind of message for both. */
function describeError(error: ErrorObject): string {
  const segments = error.instancePath.split('/').slice(1).map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
    return `${[...segments, params.missingProperty].join('.')}: required`;
  }
  const path = segments.length ? segments.join('.') : '(input)';
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    return `${path}: unrecognized key "${params.additionalProperty}"`;
  }
  return `${path}: ${error.message ?? error.keyword}`;
}

/**
 * Compiles a JSON Schema into an input check: the input (a copy, with defaults applied) or every problem as
 * `path: message` joined with `; `. Throws when the schema itself is invalid.
 */
export function compileJsonSchema(schema: JsonSchema): (input: unknown) => { ok: true; value: unknown } | { ok: false; problems: string } {
  const { $schema: _declared, ...body } = schema;
  const validate = validatorFor(schema).compile(body);
  return (input) => {
    const value: unknown = input === undefined ? undefined : structuredClone(input);
    if (validate(value)) return { ok: true, value };
    return { ok: false, problems: (validate.errors ?? []).map(describeError).join('; ') || 'does not match the input schema' };
  };
}
