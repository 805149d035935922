import type { ToolSpec } from '../shared/model';
import { ToolDefinitionError, type Tool } from './define-tool';

/** Activity names the runtime uses itself; a tool may not take them. */
export const RESERVED_ACTIVITY_NAMES: readonly string[] = ['plan', 'describeTools', 'echo'];

/** The tools a worker offers, by name. A list, not a switch. */
export interface ToolRegistry {
  readonly tools: ReadonlyMap<string, Tool>;
  /** Catalogue entries in registration order, as the workflow records them. */
  catalogue(): ToolSpec[];
}

/** Builds a registry; rejects duplicate and reserved names. */
export function createToolRegistry(tools: readonly Tool[]): ToolRegistry {
  const byName = new Map<string, Tool>();
  for (const tool of tools) {
    const { name } = tool.spec;
    if (RESERVED_ACTIVITY_NAMES.includes(name)) throw new ToolDefinitionError(`Tool name "${name}" is reserved by durable-agent; choose another.`);
    if (byName.has(name)) throw new ToolDefinitionError(`Two tools are named "${name}"; tool names must be unique.`);
    byName.set(name, tool);
  }
  return {
    tools: byName,
    catalogue: () => [...byName.values()].map((tool) => tool.spec),
  };
}
