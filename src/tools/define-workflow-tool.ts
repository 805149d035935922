import type { z } from 'zod';
import { executorOf } from '../core/execution';
import type { Executor, ToolSpec } from '../contracts/tool-spec';
import { specOf, ToolDefinitionError, toolJsonSchema, type Tool } from './define-tool';

/** How a workflow-side tool's calls run: in the workflow itself (a durable timer, a question to a person). */
export type WorkflowExecutor = Exclude<Executor, { kind: 'activity' }>;

/** A tool the workflow runs itself. It has no handler, no timeout and no retry: nothing of it runs on a worker. */
export interface WorkflowToolDefinition<Schema extends z.ZodType> {
  /** The name the model calls. Letters, digits, `_` and `-`. */
  name: string;
  /** What the tool does, for the model. */
  description: string;
  /** The input; the workflow validates it when it prepares the call. */
  input: Schema;
  /** Input field shown next to the tool name in the Temporal UI. @default the first string field */
  summaryField?: string;
  /** How the workflow runs a call. */
  executor: WorkflowExecutor;
  /** Never: the workflow runs the call, not a handler. */
  run?: never;
}

/** A tool the workflow runs itself: a catalogue entry, and nothing to run on a worker (it registers no activity). */
export interface WorkflowTool {
  spec: ToolSpec & { executor: WorkflowExecutor };
  /** Never: the workflow runs the call, not a handler. */
  run?: never;
}

/** A tool a worker offers: one that runs as its activity, or one the workflow runs itself. */
export type AnyTool = Tool | WorkflowTool;

/**
 * Catalogue fields that say a timer the way workflow code older than `executor` reads it: kept next to `executor`
 * while a rolling deploy may run both (docs/versioning.md).
 */
function legacyFieldsOf(executor: WorkflowExecutor): Pick<ToolSpec, 'execution' | 'maxSeconds'> {
  if (executor.kind !== 'timer') return {};
  return { execution: 'workflow-timer', ...(executor.maxSeconds !== undefined ? { maxSeconds: executor.maxSeconds } : {}) };
}

/** Declares a tool the workflow runs itself (the `wait` and `ask_user` built-ins): validates it and derives its catalogue entry. */
export function defineWorkflowTool<Schema extends z.ZodType>(definition: WorkflowToolDefinition<Schema>): WorkflowTool {
  const { executor } = definition;
  if ((executor.kind as string) === 'activity' || 'run' in definition) {
    throw new ToolDefinitionError(`Tool "${definition.name}" runs in the workflow: it takes no \`run\` and no activity executor; declare it with \`defineTool\` instead.`);
  }
  return { spec: { ...specOf(definition, toolJsonSchema(definition.input), executor), executor, ...legacyFieldsOf(executor) } };
}

/** The activity a tool runs as (its type, from its executor's kind, never its name), or undefined for a workflow-side tool. */
export function activityOf(tool: AnyTool): { tool: Tool; activityType: string } | undefined {
  const executor = executorOf(tool.spec);
  // A workflow-side tool's executor is never of kind `activity` (its type says so), so this one is an activity tool.
  return executor.kind === 'activity' ? { tool: tool as Tool, activityType: executor.activityType } : undefined;
}
