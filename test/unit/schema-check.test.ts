import fc from 'fast-check';
import { schemaProblems } from '../../src/core/schema-check';
import { expandToolNames, matchesToolName } from '../../src/core/tool-patterns';
import { createBuiltinTools } from '../../src/tools/builtin';
import { loadBuiltinToolsConfig } from '../../src/config/tools-config';
import { compileJsonSchema, type JsonSchema } from '../../src/tools/json-schema';

const SCHEMAS: JsonSchema[] = [
  { type: 'object', properties: { sku: { type: 'string', pattern: '^[A-Z]{3}-\\d+$' }, quantity: { type: 'integer', minimum: 1, maximum: 10 } }, required: ['sku'], additionalProperties: false },
  { type: 'object', properties: { tags: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 3 }, minItems: 1, maxItems: 2 }, mode: { enum: ['a', 'b', null] } } },
  { type: 'object', properties: { value: { anyOf: [{ type: 'number', exclusiveMinimum: 0 }, { type: 'string', const: 'none' }] }, nested: { type: 'object', properties: { deep: { type: ['boolean', 'null'] } }, required: ['deep'] } } },
  { type: 'object', properties: { ref: { $ref: '#/definitions/x' }, format: { type: 'string', format: 'uri' } }, definitions: { x: { type: 'string' } } },
  ...createBuiltinTools(loadBuiltinToolsConfig({ AGENT_WORKSPACE: process.cwd() })).map((tool) => tool.spec.inputSchema as JsonSchema),
];

const candidate = fc.oneof(
  fc.anything(),
  fc.record({ sku: fc.oneof(fc.string(), fc.constantFrom('ABC-1', 'abc')), quantity: fc.oneof(fc.integer({ min: -2, max: 12 }), fc.double(), fc.string()) }, { requiredKeys: [] }),
  fc.record({ tags: fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }), mode: fc.constantFrom('a', 'b', null, 'c', 1) }, { requiredKeys: [] }),
  fc.record({ value: fc.oneof(fc.double(), fc.constantFrom('none', 'some', 0, -1)), nested: fc.oneof(fc.record({ deep: fc.constantFrom(true, null, 'x') }), fc.constant({})) }, { requiredKeys: [] }),
  fc.record({ path: fc.oneof(fc.string(), fc.integer()), url: fc.oneof(fc.webUrl(), fc.string()), seconds: fc.oneof(fc.double(), fc.integer({ min: -5, max: 100_000 })), question: fc.string() }, { requiredKeys: [] }),
);

describe('the workflow-side schema check', () => {
  it('never refuses what the full validator (ajv) accepts, over generated inputs and every built-in schema', () => {
    const validators = SCHEMAS.map((schema) => ({ schema, full: compileJsonSchema(schema) }));
    fc.assert(
      fc.property(candidate, (value) => {
        for (const { schema, full } of validators) {
          if (schemaProblems(schema, value).length > 0) expect(full(value).ok).toBe(false);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('names what is wrong, by path', () => {
    const [first, second, third] = SCHEMAS;
    expect(schemaProblems(first, { sku: 'nope', quantity: 2.5, extra: 1 })).toEqual([
      'sku: does not match the pattern ^[A-Z]{3}-\\d+$',
      'quantity: expected integer, got number',
      'extra: not an allowed field',
    ]);
    expect(schemaProblems(first, {})).toEqual(['sku: required']);
    expect(schemaProblems(first, 'x')).toEqual(['(the arguments): expected object, got string']);
    expect(schemaProblems(second, { tags: ['ok', '', 'long!'], mode: 'c' })).toEqual([
      'tags: expected at most 2 items',
      'tags[1]: expected at least 1 characters',
      'tags[2]: expected at most 3 characters',
      'mode: expected one of ["a","b",null]',
    ]);
    expect(schemaProblems(third, { value: 0, nested: {} })).toEqual(['value: matches none of the 2 allowed shapes (anyOf)', 'nested.deep: required']);
    expect(schemaProblems(SCHEMAS[3], { ref: 5, format: 'not a uri' })).toEqual([]);
  });
});

describe('tool name patterns', () => {
  it('match names with * and leave other characters literal', () => {
    expect(matchesToolName('github__*', 'github__create_issue')).toBe(true);
    expect(matchesToolName('github__*', 'gitlab__x')).toBe(false);
    expect(matchesToolName('a.b', 'aXb')).toBe(false);
    expect(matchesToolName('*__read*', 'fs__read_file')).toBe(true);
    expect(expandToolNames(['fs__*', 'http_get', 'nope__*'], ['http_get', 'fs__read', 'fs__write', 'other'])).toEqual({ names: ['http_get', 'fs__read', 'fs__write'], unmatched: ['nope__*'] });
  });
});

describe('non-finite numbers', () => {
  it('are not refused where ajv accepts them (a counterexample fast-check found: Infinity)', () => {
    const schema = { type: 'object', properties: { n: { type: 'number', exclusiveMinimum: 0 }, i: { type: 'integer' } } } as JsonSchema;
    const value = { n: Number.POSITIVE_INFINITY, i: Number.NEGATIVE_INFINITY };
    expect(compileJsonSchema(schema)(value).ok).toBe(true);
    expect(schemaProblems(schema, value)).toEqual([]);
  });
});
