import { proxyActivities } from '@temporalio/workflow';
import { ERROR_TYPES } from '../../contracts/error-types';
import type { ResolvedAgentRunInput } from '../../contracts/workflow-input';
import type { TaskError } from '../../contracts/run-result';
import type { ToolSpec } from '../../contracts/tool-spec';
import type { ToolAccess } from '../../core/plan/tasks';
import { CATALOGUE_TIMEOUT_MS, TOOL_QUEUE_CATALOGUE_WAIT_MS } from '../../contracts/limits';
import { ActivityFailure, TimeoutFailure } from '@temporalio/workflow';
import { expandToolNames, isToolPattern } from '../../core/tool-patterns';

const { describeTools } = proxyActivities<{ describeTools(): Promise<ToolSpec[]> }>({
  startToCloseTimeout: CATALOGUE_TIMEOUT_MS,
  retry: { maximumAttempts: 5 },
});

/** The run's tools, or why the run cannot start (it allows tools no worker registered). */
export type CatalogueOutcome = { access: ToolAccess; tools: ToolSpec[] } | { problem: { answer: string; error: TaskError } };

/** A tool worker's catalogue, read on its own queue; a queue no worker serves fails fast (schedule-to-start). */
async function describeQueue(taskQueue: string): Promise<ToolSpec[] | { problem: { answer: string; error: TaskError } }> {
  const { describeTools: describeRemote } = proxyActivities<{ describeTools(): Promise<ToolSpec[]> }>({
    taskQueue,
    scheduleToStartTimeout: TOOL_QUEUE_CATALOGUE_WAIT_MS,
    startToCloseTimeout: CATALOGUE_TIMEOUT_MS,
    retry: { maximumAttempts: 3 },
  });
  try {
    const specs = await describeRemote();
    // Every tool there runs there, whatever its worker declared (a tool worker lists no workflow-side tool: it has no
    // activity for one). Kept as it is: which activity a call schedules must not change for runs in flight.
    return specs.map((spec) => ({ ...spec, executor: { kind: 'activity' as const, activityType: spec.executor?.kind === 'activity' ? spec.executor.activityType : spec.name, taskQueue } }));
  } catch (error) {
    const timedOut = error instanceof ActivityFailure && error.cause instanceof TimeoutFailure;
    const why = timedOut ? `no worker took it within ${TOOL_QUEUE_CATALOGUE_WAIT_MS / 1000} s` : `it failed: ${error instanceof Error ? error.message : String(error)}`;
    const message = `could not read the tools of task queue "${taskQueue}": ${why}. Start a tool worker there (\`durable-agent worker --tools <names> --task-queue ${taskQueue}\`) or leave it out of toolQueues.`;
    return { problem: { answer: `The run could not start: ${message}`, error: { type: ERROR_TYPES.toolUnavailable, message } } };
  }
}

/** The run's own catalogue, then each tool queue's (a name already taken keeps its first entry). */
async function describeAll(input: Pick<ResolvedAgentRunInput, 'toolQueues'>): Promise<ToolSpec[] | { problem: { answer: string; error: TaskError } }> {
  const own = await describeTools();
  const queues = [...new Set(input.toolQueues ?? [])];
  if (queues.length === 0) return own;
  const remote = await Promise.all(queues.map(describeQueue));
  const catalogue = [...own];
  for (const specs of remote) {
    if (!Array.isArray(specs)) return specs;
    for (const spec of specs) if (!catalogue.some((known) => known.name === spec.name)) catalogue.push(spec);
  }
  return catalogue;
}

/**
 * Records the tool catalogue in history (replay never depends on what a worker has in memory) and narrows it
 * to `allowedTools`.
 */
export async function loadCatalogue(input: Pick<ResolvedAgentRunInput, 'allowedTools' | 'requireApproval' | 'toolQueues'>): Promise<CatalogueOutcome> {
  const catalogue = await describeAll(input);
  if (!Array.isArray(catalogue)) return catalogue;
  const byName = new Map(catalogue.map((spec) => [spec.name, spec]));
  const named = [...(input.allowedTools ?? []), ...(input.requireApproval ?? [])];
  // Patterns (`github__*`) name every matching tool.
  if (named.some(isToolPattern)) return narrowed(catalogue, byName, input);
  const unknown = [...new Set(named)].filter((name) => !byName.has(name));
  if (unknown.length > 0) return unknownTools(unknown, catalogue);
  return accessOf(catalogue, byName, new Set(input.allowedTools ?? catalogue.map((spec) => spec.name)), new Set(input.requireApproval ?? []));
}

/** The catalogue narrowed by names and patterns; an entry that names no tool is a problem, as a plain unknown name is. */
function narrowed(catalogue: ToolSpec[], byName: Map<string, ToolSpec>, input: Pick<ResolvedAgentRunInput, 'allowedTools' | 'requireApproval'>): CatalogueOutcome {
  const names = catalogue.map((spec) => spec.name);
  const allowedTools = input.allowedTools ? expandToolNames(input.allowedTools, names) : { names, unmatched: [] };
  const gated = expandToolNames(input.requireApproval ?? [], names);
  const unmatched = [...new Set([...allowedTools.unmatched, ...gated.unmatched])];
  if (unmatched.length > 0) return unknownTools(unmatched, catalogue);
  return accessOf(catalogue, byName, new Set(allowedTools.names), new Set(gated.names));
}

function unknownTools(unknown: readonly string[], catalogue: readonly ToolSpec[], field = 'allowedTools or requireApproval'): { problem: { answer: string; error: TaskError } } {
  return {
    problem: {
      answer: `The run names tools that no worker registered: ${unknown.join(', ')}.`,
      error: {
        type: ERROR_TYPES.agentInputInvalid,
        message: `unknown tools in ${field}: ${unknown.join(', ')}; registered tools: ${catalogue.map((spec) => spec.name).join(', ') || '(none)'}`,
      },
    },
  };
}

/**
 * The tools whose calls take the fast path in this run (docs/fast-steps.md): those that declare `fast`, none
 * (`fastTools: false`), or those the run names; a name that matches no tool is a problem, as in `allowedTools`.
 */
export function fastToolsOf(catalogue: ReadonlyMap<string, ToolSpec>, fastTools: ResolvedAgentRunInput['fastTools']): ReadonlySet<string> | { problem: { answer: string; error: TaskError } } {
  const specs = [...catalogue.values()];
  if (fastTools === false) return new Set();
  if (fastTools === undefined || fastTools === true) return new Set(specs.filter((spec) => spec.fast === true).map((spec) => spec.name));
  const { names, unmatched } = expandToolNames(fastTools, [...catalogue.keys()]);
  if (unmatched.length > 0) return unknownTools(unmatched, specs, 'fastTools');
  return new Set(names);
}

/** The access a run has: the allowed tools and the gated ones. */
function accessOf(catalogue: readonly ToolSpec[], byName: Map<string, ToolSpec>, allowed: Set<string>, requireApproval: Set<string>): CatalogueOutcome {
  return { access: { catalogue: byName, allowed, ...(requireApproval.size ? { requireApproval } : {}) }, tools: catalogue.filter((spec) => allowed.has(spec.name)) };
}
