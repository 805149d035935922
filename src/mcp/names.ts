import { createHash } from 'node:crypto';

/** OpenAI's rule for function names, which every tool name must follow. */
const NAME_LIMIT = 64;
const SEPARATOR = '__';

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 6);
}

/**
 * The name the model sees for an MCP tool: `server__tool`, with characters outside `[A-Za-z0-9_-]` replaced by `_`, cut
 * to 64 characters with a short hash of the original when it is longer, and made unique against `taken` (`_2`, `_3`…),
 * so two tools never share a name and the same servers give the same names on every worker.
 */
export function exposedToolName(server: string, tool: string, taken: ReadonlySet<string>): string {
  const original = `${server}${SEPARATOR}${tool}`;
  const sanitized = original.replace(/[^A-Za-z0-9_-]/g, '_');
  const base = sanitized.length > NAME_LIMIT ? `${sanitized.slice(0, NAME_LIMIT - 7)}_${shortHash(original)}` : sanitized;
  let name = base;
  for (let counter = 2; taken.has(name); counter += 1) name = `${base.slice(0, NAME_LIMIT - String(counter).length - 1)}_${counter}`;
  return name;
}
