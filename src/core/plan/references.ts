/**
 * References between plan nodes: an argument value `{"$ref": "a"}` stands for node a's whole output, and
 * `{"$ref": "a", "pointer": "/items/0"}` for the part an RFC 6901 JSON pointer names. Pure: the workflow resolves them
 * from recorded results.
 */

import { clipInput, quoteInput } from '../quote-input';

export interface Reference {
  node: string;
  pointer: string;
  /** What is wrong with the reference's form, if anything. */
  problem?: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function asReference(value: Record<string, unknown>): Reference | undefined {
  if (!('$ref' in value)) return undefined;
  const node = typeof value.$ref === 'string' ? value.$ref : '';
  const pointer = value.pointer ?? '';
  const extra = Object.keys(value).filter((key) => key !== '$ref' && key !== 'pointer');
  if (!node) return { node: String(value.$ref), pointer: '', problem: `"$ref" must be a node id, got ${quoteInput(value.$ref)}` };
  if (typeof pointer !== 'string' || (pointer !== '' && !pointer.startsWith('/'))) return { node, pointer: '', problem: `the pointer of a reference to ${quoteInput(node)} must be a JSON pointer such as "/items/0", got ${quoteInput(pointer)}` };
  if (extra.length > 0) return { node, pointer, problem: `a reference to ${quoteInput(node)} has other keys (${clipInput(extra.join(', '))}); it may have only "$ref" and "pointer"` };
  return { node, pointer };
}

/** Every reference in a value, depth first. */
export function referencesIn(value: unknown): Reference[] {
  if (Array.isArray(value)) return value.flatMap(referencesIn);
  if (!isRecord(value)) return [];
  const reference = asReference(value);
  if (reference) return [reference];
  return Object.values(value).flatMap(referencesIn);
}

/** The value at an RFC 6901 pointer, or why there is none. */
export function atPointer(document: unknown, pointer: string): { value: unknown } | { missing: string } {
  if (pointer === '') return { value: document };
  let current: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      const index = /^(0|[1-9][0-9]*)$/.test(token) ? Number(token) : -1;
      if (index < 0 || index >= current.length) return { missing: `no item ${quoteInput(token)} (the array has ${current.length})` };
      current = current[index];
    } else if (isRecord(current)) {
      if (!Object.prototype.hasOwnProperty.call(current, token)) return { missing: `no key ${quoteInput(token)} (keys: ${clipInput(Object.keys(current).slice(0, 10).join(', ')) || 'none'})` };
      current = current[token];
    } else {
      return { missing: `${quoteInput(token)} goes into a ${current === null ? 'null' : typeof current}` };
    }
  }
  return { value: current };
}

/** A dependency's output, as a reference sees it. */
export interface ReferencedOutput {
  output: unknown;
  /** True when the output was cut to fit history: its parts cannot be reached. */
  cut: boolean;
}

/**
 * The value with every reference replaced by what it names, or the first problem (a missing path, a cut output).
 * `outputOf` gives a dependency's output by node name.
 */
export function resolveReferences(value: unknown, outputOf: (node: string) => ReferencedOutput | undefined): { value: unknown } | { problem: string } {
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) {
      const resolved = resolveReferences(item, outputOf);
      if ('problem' in resolved) return resolved;
      items.push(resolved.value);
    }
    return { value: items };
  }
  if (!isRecord(value)) return { value };
  const reference = asReference(value);
  if (reference) {
    const source = outputOf(reference.node);
    if (!source) return { problem: `the output of ${quoteInput(reference.node)} is not available` };
    if (source.cut && reference.pointer !== '') return { problem: `the output of ${quoteInput(reference.node)} was cut to fit history, so ${clipInput(reference.pointer)} cannot be reached in it; reference it whole or make it smaller` };
    const found = atPointer(source.output, reference.pointer);
    return 'missing' in found ? { problem: `${clipInput(reference.pointer)} is not in the output of ${quoteInput(reference.node)}: ${found.missing}` } : found;
  }
  const entries: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const resolved = resolveReferences(inner, outputOf);
    if ('problem' in resolved) return resolved;
    entries[key] = resolved.value;
  }
  return { value: entries };
}
