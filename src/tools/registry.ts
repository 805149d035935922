import { executorOf } from '../shared/execution';
import type { ToolSpec } from '../shared/model';
import { ToolDefinitionError, type Tool } from './define-tool';

/**
 * Activity types the runtime uses itself; a tool may not take them. `default` is the Temporal SDK's: the worker runs
 * the activity of that name for every activity type it does not register (tools that join late use it).
 */
export const RESERVED_ACTIVITY_NAMES: readonly string[] = ['plan', 'describeTools', 'default'];

/** The tools a worker offers, by name. A list, not a switch. */
export interface ToolRegistry {
  readonly tools: ReadonlyMap<string, Tool>;
  /** Catalogue entries in registration order, as the workflow records them. */
  catalogue(): ToolSpec[];
  /** The activity tool registered under this activity type, if any. */
  byActivityType(activityType: string): Tool | undefined;
  /** Adds tools that became available after the worker started (an MCP server that connected late), with the same checks. */
  add(tools: readonly Tool[]): void;
}

/** Builds a registry; rejects duplicate names, duplicate activity types and reserved names. */
export function createToolRegistry(tools: readonly Tool[]): ToolRegistry {
  const byName = new Map<string, Tool>();
  const activityTypes = new Map<string, string>();
  const add = (tool: Tool) => {
    const { name } = tool.spec;
    const executor = executorOf(tool.spec);
    const activityType = executor.kind === 'activity' ? executor.activityType : undefined;
    for (const reserved of [name, activityType]) {
      if (reserved !== undefined && RESERVED_ACTIVITY_NAMES.includes(reserved)) {
        throw new ToolDefinitionError(`Tool "${name}": "${reserved}" is reserved by durable-agent; choose another name or activity type.`);
      }
    }
    if (byName.has(name)) throw new ToolDefinitionError(`Two tools are named "${name}"; tool names must be unique.`);
    if (activityType !== undefined) {
      const other = activityTypes.get(activityType);
      if (other !== undefined) throw new ToolDefinitionError(`Tools "${other}" and "${name}" both use the activity type "${activityType}"; activity types must be unique.`);
      activityTypes.set(activityType, name);
    }
    byName.set(name, tool);
  };
  for (const tool of tools) add(tool);
  return {
    tools: byName,
    catalogue: () => [...byName.values()].map((tool) => tool.spec),
    byActivityType: (activityType) => {
      const name = activityTypes.get(activityType);
      return name === undefined ? undefined : byName.get(name);
    },
    add: (added) => added.forEach(add),
  };
}
