import { ERROR_TYPES } from '../../shared/errors';
import type { TaskResult } from '../../shared/model';
import type { PreparedNode } from '../../shared/plan/tasks';
import { execute, type ExecutionContext } from './executors';

/** The result of a node whose dependency failed: it never runs. */
function skipped(entry: Extract<PreparedNode, { task: unknown }>, failedDependency: TaskResult): TaskResult {
  return {
    id: entry.node.id,
    callId: entry.node.call.id,
    tool: entry.node.call.tool,
    ok: false,
    error: { type: ERROR_TYPES.toolSkipped, message: `not run: it depends on ${failedDependency.id} (${failedDependency.tool}), which failed` },
    durationMs: 0,
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
    if (!failedDependency) return execute(entry.task, context);
    const result = skipped(entry, failedDependency);
    context.hooks.onFinish?.(result);
    return result;
  });
}
