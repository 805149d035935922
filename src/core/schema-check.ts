/**
 * A small JSON Schema check that runs in the workflow sandbox (pure, no code generation), so a call whose arguments
 * break its tool's schema is refused before anything is scheduled. It checks the keywords that decide most mistakes
 * (type, required, properties, additionalProperties, enum, const, items, lengths, bounds, pattern, anyOf/oneOf/allOf)
 * and passes what it does not understand (`$ref`, `format`, `if`…): the tool's full check (ajv or zod, in the
 * activity) still runs. It never refuses what a full validator accepts.
 */

import { clipInput } from './quote-input';

type Schema = Record<string, unknown>;

const MAX_DEPTH = 64;
const MAX_PROBLEMS = 10;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    // ±Infinity (never in parsed JSON) passes as ajv lets it: this check may only refuse what the full one refuses.
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return typeof value === 'number' && (Number.isInteger(value) || value === Infinity || value === -Infinity);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isRecord(value);
    default:
      return true;
  }
}

const describe = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/** JSON equality for `enum` and `const` (key order ignored). */
function sameJson(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (Array.isArray(left) && Array.isArray(right)) return left.length === right.length && left.every((item, index) => sameJson(item, right[index]));
  if (isRecord(left) && isRecord(right)) {
    const keys = Object.keys(left);
    return keys.length === Object.keys(right).length && keys.every((key) => key in right && sameJson(left[key], right[key]));
  }
  return false;
}

/** A path as a problem names it: property names are the model's, so a long one is cut (`clipInput`). */
const where = (path: string) => clipInput(path || '(the arguments)');

/** Unicode code points, as JSON Schema counts string length. */
const lengthOf = (text: string) => Array.from(text).length;

function check(schema: unknown, value: unknown, path: string, problems: string[], depth: number): void {
  if (problems.length >= MAX_PROBLEMS || depth > MAX_DEPTH || !isRecord(schema)) return;
  if (schema === null || Object.keys(schema).length === 0) return;
  const at = where(path);
  const types = typeof schema.type === 'string' ? [schema.type] : Array.isArray(schema.type) ? schema.type.filter((type): type is string => typeof type === 'string') : [];
  if (types.length > 0 && !types.some((type) => typeMatches(type, value))) {
    problems.push(`${at}: expected ${types.join(' or ')}, got ${describe(value)}`);
    return;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => sameJson(option, value))) problems.push(`${at}: expected one of ${JSON.stringify(schema.enum).slice(0, 200)}`);
  if ('const' in schema && !sameJson(schema.const, value)) problems.push(`${at}: expected ${JSON.stringify(schema.const).slice(0, 100)}`);
  if (typeof value === 'string') checkString(schema, value, at, problems);
  if (typeof value === 'number') checkNumber(schema, value, at, problems);
  if (Array.isArray(value)) checkArray(schema, value, path, problems, depth);
  if (isRecord(value)) checkObject(schema, value, path, problems, depth);
  for (const branch of Array.isArray(schema.allOf) ? schema.allOf : []) check(branch, value, path, problems, depth + 1);
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const branches = schema[keyword];
    if (!Array.isArray(branches) || branches.length === 0) continue;
    // Any branch that passes is enough (oneOf's "exactly one" is left to the full check).
    if (!branches.some((branch) => schemaProblems(branch, value, depth + 1).length === 0)) problems.push(`${at}: matches none of the ${branches.length} allowed shapes (${keyword})`);
  }
}

function checkString(schema: Schema, value: string, at: string, problems: string[]): void {
  if (typeof schema.minLength === 'number' && lengthOf(value) < schema.minLength) problems.push(`${at}: expected at least ${schema.minLength} characters`);
  if (typeof schema.maxLength === 'number' && lengthOf(value) > schema.maxLength) problems.push(`${at}: expected at most ${schema.maxLength} characters`);
  if (typeof schema.pattern === 'string') {
    let pattern: RegExp | undefined;
    try {
      pattern = new RegExp(schema.pattern, 'u');
    } catch {
      pattern = undefined;
    }
    if (pattern && !pattern.test(value)) problems.push(`${at}: does not match the pattern ${schema.pattern}`);
  }
}

function checkNumber(schema: Schema, value: number, at: string, problems: string[]): void {
  if (typeof schema.minimum === 'number' && value < schema.minimum) problems.push(`${at}: expected at least ${schema.minimum}, got ${value}`);
  if (typeof schema.maximum === 'number' && value > schema.maximum) problems.push(`${at}: expected at most ${schema.maximum}, got ${value}`);
  if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) problems.push(`${at}: expected more than ${schema.exclusiveMinimum}, got ${value}`);
  if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) problems.push(`${at}: expected less than ${schema.exclusiveMaximum}, got ${value}`);
}

function checkArray(schema: Schema, value: unknown[], path: string, problems: string[], depth: number): void {
  const at = where(path);
  if (typeof schema.minItems === 'number' && value.length < schema.minItems) problems.push(`${at}: expected at least ${schema.minItems} items`);
  if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) problems.push(`${at}: expected at most ${schema.maxItems} items`);
  if (isRecord(schema.items)) value.forEach((item, index) => check(schema.items, item, `${path}[${index}]`, problems, depth + 1));
}

function checkObject(schema: Schema, value: Record<string, unknown>, path: string, problems: string[], depth: number): void {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  for (const name of Array.isArray(schema.required) ? schema.required : []) {
    // A property with a default is filled in by the tool's validator (ajv `useDefaults`), so it may be left out.
    const filled = isRecord(properties[name as string]) && 'default' in (properties[name as string] as Schema);
    if (typeof name === 'string' && !(name in value) && !filled) problems.push(`${where(path ? `${path}.${name}` : name)}: required`);
  }
  for (const [name, inner] of Object.entries(value)) {
    const inside = path ? `${path}.${name}` : name;
    if (name in properties) check(properties[name], inner, inside, problems, depth + 1);
    else if (schema.additionalProperties === false && !isRecord(schema.patternProperties)) problems.push(`${where(inside)}: not an allowed field`);
    else if (isRecord(schema.additionalProperties) && !isRecord(schema.patternProperties)) check(schema.additionalProperties, inner, inside, problems, depth + 1);
  }
}

/** Problems of `value` against `schema` (at most 10, `path: what`), or none. Pure and deterministic. */
export function schemaProblems(schema: unknown, value: unknown, depth = 0): string[] {
  const problems: string[] = [];
  check(schema, value, '', problems, depth);
  return problems;
}
