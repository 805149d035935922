import { ChildWorkflowFailure, executeChild, isCancellation, ParentClosePolicy, CancellationScope, workflowInfo } from '@temporalio/workflow';
import { ERROR_TYPES } from '../../../contracts/error-types';
import type { AgentWorkflow } from '../../../contracts/definitions';
import type { Budget } from '../../../contracts/run-input';
import type { AgentRunResult, TaskError } from '../../../contracts/run-result';
import type { TaskResult } from '../../../core/model';
import type { AgentWorkflowInput } from '../../../contracts/workflow-input';
import { agentRunSettings, MAX_AGENT_CALLS_PER_STEP, MAX_AGENT_DEPTH } from '../../../core/sub-agents';
import { failedResult } from '../../../core/task-result';
import { finished, type ExecutionContext, type TaskExecutor, type TaskOf } from './context';

/** What a step's agent calls share: where the run is in the tree of agents, and what a child may be given. */
export interface SubAgentContext {
  /** The agents from the root run to this one (the root, started without a name, is not in it). */
  path: readonly string[];
  /** The parent's goal, named in each child's summary. */
  parentGoal: string;
  /** What is left of the parent's budget: a child is never granted more. */
  budgetLeft(): Budget | undefined;
  /** The search attribute flags and handover settings the parent has, passed on. */
  flags: Pick<AgentWorkflowInput, 'searchAttributes' | 'costAttribute' | 'continueAsNewAtHistoryBytes' | 'continueAsNewAfterUpdates'>;
  /** Agent calls this step has started. */
  started: number;
}

/** The smaller of two limits (either may be absent). */
const lesser = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));

/** A child's budget: its own limits, each cut to what its parent has left. */
export function childBudget(own: Budget | undefined, left: Budget | undefined): Budget | undefined {
  if (!own && !left) return undefined;
  const limits = {
    maxTokens: lesser(own?.maxTokens, left?.maxTokens),
    maxWallTimeMs: lesser(own?.maxWallTimeMs, left?.maxWallTimeMs),
    maxCostUsd: lesser(own?.maxCostUsd, left?.maxCostUsd),
  };
  const defined = Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
  return Object.keys(defined).length ? { ...defined, ...(own?.onExhausted ? { onExhausted: own.onExhausted } : {}) } : undefined;
}

function refused(task: TaskOf<'agent'>, context: ExecutionContext, error: TaskError): Promise<TaskResult> {
  return Promise.resolve(finished(failedResult(task, error), context));
}

/** How a child that did not answer finally is told to its parent's model: a typed tool error, not a failed parent. */
function notFinal(name: string, result: AgentRunResult): TaskError {
  return { type: ERROR_TYPES.subAgentFailed, message: `agent ${name} ended ${result.status}: ${result.answer}`.slice(0, 2_000) };
}

/** Runs the agent's child run to its end, holding a permit of the parent's `maxParallel`; never throws but for cancellation. */
async function runAgent(task: TaskOf<'agent'>, context: ExecutionContext, sub: SubAgentContext): Promise<TaskResult> {
  const { agent } = task.executor;
  const goal = (task.input as { goal?: unknown } | undefined)?.goal;
  if (typeof goal !== 'string' || !goal.trim()) return refused(task, context, { type: ERROR_TYPES.toolInputInvalid, message: `agent ${agent.name} needs a goal: {"goal": "…"}` });
  context.hooks.onStart?.(task);
  const started = Date.now();
  const { budget: own, ...settings } = agentRunSettings(agent);
  const budget = childBudget(own, sub.budgetLeft());
  const input: AgentWorkflowInput = { goal, ...settings, ...(budget ? { budget } : {}), agentPath: [...sub.path, agent.name], ...sub.flags };
  let result: AgentRunResult;
  try {
    result = await executeChild<AgentWorkflow>('agentWorkflow', {
      // One child per call of the logical run (continue-as-new keeps the workflow id; call ids are unique in it).
      workflowId: `${workflowInfo().workflowId}.${task.id}`,
      args: [input],
      // The agent's own queue, when it names one (its workers have its tools and model); else the parent's.
      ...(agent.taskQueue ? { taskQueue: agent.taskQueue } : {}),
      // A parent that ends, however, asks its children to stop: none outlives it with its tools running.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      staticSummary: `${agent.name}, for "${sub.parentGoal.slice(0, 80)}": ${goal}`.slice(0, 200),
    });
  } catch (error) {
    if (isCancellation(error) && CancellationScope.current().consideredCancelled) throw error;
    const message = error instanceof ChildWorkflowFailure ? (error.cause?.message ?? error.message) : error instanceof Error ? error.message : String(error);
    return finished(failedResult(task, { type: ERROR_TYPES.subAgentFailed, message: `agent ${agent.name} failed: ${message}` }, Date.now() - started), context);
  }
  const usage = { inputTokens: result.usage.inputTokens, outputTokens: result.usage.outputTokens, ...(result.usage.costUsd !== undefined ? { costUsd: result.usage.costUsd } : {}) };
  const durationMs = Date.now() - started;
  if (result.status !== 'final') return finished({ ...failedResult(task, notFinal(agent.name, result), durationMs), usage }, context);
  return finished({ id: task.id, callId: task.callId, tool: task.tool, ok: true, output: result.answer, durationMs, usage }, context);
}

/**
 * A named agent as a tool (docs/sub-agents.md): each call is a child run of that agent, in parallel with the step's
 * other calls under the parent's `maxParallel`; its answer is the call's result, and its tokens and cost count in its
 * parent's. A cycle of agents, a tree deeper than MAX_AGENT_DEPTH and more than MAX_AGENT_CALLS_PER_STEP calls in a
 * step are refused with a typed error the model reads.
 */
export const agentExecutor: TaskExecutor<'agent'> = {
  kind: 'agent',
  run(task, context) {
    const sub = context.subAgents;
    const name = task.executor.agent.name;
    if (!sub) return refused(task, context, { type: ERROR_TYPES.subAgentFailed, message: 'this run cannot start agents' });
    if (sub.path.includes(name)) return refused(task, context, { type: ERROR_TYPES.agentCycle, message: `agent ${name} is already working on this task (${[...sub.path, name].join(' → ')}): an agent cannot call itself, directly or through others` });
    if (sub.path.length >= MAX_AGENT_DEPTH) return refused(task, context, { type: ERROR_TYPES.agentDepth, message: `agents may call agents ${MAX_AGENT_DEPTH} levels deep (${sub.path.join(' → ')}): do this task yourself` });
    sub.started += 1;
    if (sub.started > MAX_AGENT_CALLS_PER_STEP) return refused(task, context, { type: ERROR_TYPES.agentFanOut, message: `at most ${MAX_AGENT_CALLS_PER_STEP} agent calls per step: ask again for the rest in the next step` });
    return context.semaphore.withPermit(() => runAgent(task, context, sub));
  },
};
