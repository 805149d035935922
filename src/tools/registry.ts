import type { ToolSpec } from '../contracts/tool-spec';
import { ToolDefinitionError, type Tool } from './define-tool';
import { activityOf, type AnyTool } from './define-workflow-tool';

/**
 * Activity types the runtime uses itself; a tool may not take them. `default` is the Temporal SDK's: the worker runs
 * the activity of that name for every activity type it does not register (tools that join late use it).
 */
export const RESERVED_ACTIVITY_NAMES: readonly string[] = ['plan', 'describeTools', 'default'];

/** The tools a worker offers, by name. A list, not a switch. */
export interface ToolRegistry {
  /** Every tool, by name: those that run as activities and those the workflow runs itself. */
  readonly tools: ReadonlyMap<string, AnyTool>;
  /** The tools that run as activities, by activity type (what the worker registers); a workflow-side tool has none. */
  readonly activityTools: ReadonlyMap<string, Tool>;
  /** Catalogue entries in registration order, as the workflow records them. */
  catalogue(): ToolSpec[];
  /** The activity tool registered under this activity type, if any. */
  byActivityType(activityType: string): Tool | undefined;
  /** Adds tools that became available after the worker started (an MCP server that connected late), with the same checks. */
  add(tools: readonly AnyTool[]): void;
}

/** Builds a registry; rejects duplicate names, duplicate activity types and reserved names. */
export function createToolRegistry(tools: readonly AnyTool[]): ToolRegistry {
  const byName = new Map<string, AnyTool>();
  const activityTools = new Map<string, Tool>();
  const add = (tool: AnyTool) => {
    const { name } = tool.spec;
    const activity = activityOf(tool);
    for (const reserved of [name, activity?.activityType]) {
      if (reserved !== undefined && RESERVED_ACTIVITY_NAMES.includes(reserved)) {
        throw new ToolDefinitionError(`Tool "${name}": "${reserved}" is reserved by durable-agent; choose another name or activity type.`);
      }
    }
    if (byName.has(name)) throw new ToolDefinitionError(`Two tools are named "${name}"; tool names must be unique.`);
    if (activity) {
      const other = activityTools.get(activity.activityType)?.spec.name;
      if (other !== undefined) throw new ToolDefinitionError(`Tools "${other}" and "${name}" both use the activity type "${activity.activityType}"; activity types must be unique.`);
      activityTools.set(activity.activityType, activity.tool);
    }
    byName.set(name, tool);
  };
  for (const tool of tools) add(tool);
  return {
    tools: byName,
    activityTools,
    catalogue: () => [...byName.values()].map((tool) => tool.spec),
    byActivityType: (activityType) => activityTools.get(activityType),
    add: (added) => added.forEach(add),
  };
}
