import { ERROR_TYPES } from '../../contracts/error-types';
import { failedResult } from '../../core/task-result';
import type { TaskResult } from '../../core/model';
import { resolveReferences } from '../../core/plan/references';
import type { PreparedNode } from '../../core/plan/tasks';
import { execute, type ExecutionContext } from './executors';

/** The result of a node whose dependency failed: it never runs. */
function skipped(entry: Extract<PreparedNode, { task: unknown }>, failedDependency: TaskResult): TaskResult {
  return failedResult(
    { id: entry.node.id, callId: entry.node.call.id, tool: entry.node.call.tool },
    { type: ERROR_TYPES.toolSkipped, message: `not run: it depends on ${nodeName(failedDependency.id)} (${failedDependency.tool}), which failed` },
  );
}

/** A plan node's own name (`s2-1.fetch` → `fetch`); a plain call's task id as it is. */
function nodeName(taskId: string): string {
  const dot = taskId.lastIndexOf('.');
  return dot < 0 ? taskId : taskId.slice(dot + 1);
}

/**
 * A plan node's arguments with its references to earlier nodes replaced by their recorded outputs (the workflow
 * resolves them, so replay sees the same values), or the result that says why it cannot run.
 */
function withReferences(entry: Extract<PreparedNode, { task: unknown }>, dependencies: readonly TaskResult[]): { input: unknown } | { result: TaskResult } {
  if (entry.node.name === undefined) return { input: entry.task.input };
  const byName = new Map(dependencies.map((result) => [nodeName(result.id), result]));
  const resolved = resolveReferences(entry.task.input, (name) => {
    const result = byName.get(name);
    return result ? { output: result.output, cut: result.outputBytes !== undefined } : undefined;
  });
  if ('value' in resolved) return { input: resolved.value };
  const { node } = entry;
  return {
    result: failedResult({ id: node.id, callId: node.call.id, tool: node.call.tool }, { type: ERROR_TYPES.toolInputInvalid, message: `not run: a reference in its arguments cannot be resolved: ${resolved.problem}` }),
  };
}

/**
 * Runs a step's plan eagerly: a node starts as soon as every node it depends on has succeeded (not level by
 * level), under the executors' own limits (the semaphore for activities); a node whose dependency failed is
 * skipped; independent branches go on. Nodes without dependencies start at once, in plan order. Results keep
 * the plan's order. Never throws, except when the run is cancelled.
 */
export async function runPlan(prepared: readonly PreparedNode[], context: ExecutionContext): Promise<TaskResult[]> {
  const outcomes = new Map<string, Promise<TaskResult>>();
  const runs = prepared.map((entry) => {
    const outcome = startNode(entry, outcomes, context);
    outcomes.set(entry.node.id, outcome);
    return outcome;
  });
  // allSettled, not all: when the run is cancelled, wait for every call to finish its cancellation.
  const settled = await Promise.allSettled(runs);
  return settled.map((outcome) => {
    if (outcome.status === 'rejected') throw outcome.reason;
    return outcome.value;
  });
}

function startNode(entry: PreparedNode, outcomes: ReadonlyMap<string, Promise<TaskResult>>, context: ExecutionContext): Promise<TaskResult> {
  // Finished before the run handed over: counted and logged then.
  const carried = context.resumed?.results.get(entry.node.id);
  if (carried) return Promise.resolve(carried);
  if ('result' in entry) {
    context.hooks.onFinish?.(entry.result);
    return Promise.resolve(entry.result);
  }
  const dependencies = entry.node.dependsOn.flatMap((id) => {
    const outcome = outcomes.get(id);
    return outcome ? [outcome] : [];
  });
  if (dependencies.length === 0) return execute(entry.task, context);
  return Promise.all(dependencies).then((results) => {
    const failedDependency = results.find((result) => !result.ok);
    const prepared = failedDependency ? { result: skipped(entry, failedDependency) } : withReferences(entry, results);
    if ('input' in prepared) return execute({ ...entry.task, input: prepared.input }, context);
    context.hooks.onFinish?.(prepared.result);
    return prepared.result;
  });
}
