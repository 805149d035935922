import type { WorkflowExecutionDescription } from '@temporalio/client';
import { FORK_MEMO, ForkOriginSchema } from '../contracts/fork';
import { AGENT_INPUT_TOKENS, AGENT_OUTPUT_TOKENS, AGENT_STATUS, AGENT_STEP } from '../contracts/search-attributes';
import { workflowTaskRunning } from './model-stream';
import { shownAgentStatus } from './run-status';

/** Where a run stands, from the server alone (no worker needed). */
export interface RunDescription {
  workflowId: string;
  runId: string;
  /** Temporal's view: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, CONTINUED_AS_NEW, TIMED_OUT. */
  executionStatus: string;
  /**
   * The agent's view, from the search attributes (when registered), reconciled with the execution status by
   * {@link shownAgentStatus}: a run ended from outside (terminated, timed out) says so, not `running`.
   */
  agentStatus?: string;
  /** The task queue whose workers run it. */
  taskQueue: string;
  step?: number;
  inputTokens?: number;
  outputTokens?: number;
  startTime: Date;
  closeTime?: Date;
  goal?: string;
  /** The run's cost so far in USD, from `AgentCostUsd` (when the namespace has it and the worker knows the price). */
  costUsd?: number;
  /** A fork: the run it was forked from (`list` reads `AgentForkOf`; `describe` the memo, with the step). */
  forkOf?: string;
  forkedAtStep?: number;
  /**
   * A worker holds the run's workflow task right now: it answers live reads when the task ends or heartbeats (a model
   * call from a local activity — `planner: 'local'`, or the default planner's first 200 ms — or fast tool calls run
   * inside it: docs/agent-loop.md, docs/fast-steps.md).
   */
  workflowTaskRunning?: boolean;
}

/** Where a fork came from, as its memo says (nothing for another run, or a memo it does not recognise). */
function forkOrigin(memo: unknown): Pick<RunDescription, 'forkOf' | 'forkedAtStep'> {
  const origin = ForkOriginSchema.partial({ runId: true }).safeParse(memo);
  return origin.success ? { forkOf: origin.data.workflowId, forkedAtStep: origin.data.atStep } : {};
}

/** A run's description from the server's (its search attributes, summary and memo); no worker needed. */
export async function runDescriptionOf(description: WorkflowExecutionDescription): Promise<RunDescription> {
  const goal = await description.staticSummary();
  const attributes = description.typedSearchAttributes;
  return {
    workflowId: description.workflowId,
    runId: description.runId,
    executionStatus: description.status.name,
    agentStatus: shownAgentStatus(description.status.name, attributes.get(AGENT_STATUS)),
    taskQueue: description.taskQueue,
    step: attributes.get(AGENT_STEP),
    inputTokens: attributes.get(AGENT_INPUT_TOKENS),
    outputTokens: attributes.get(AGENT_OUTPUT_TOKENS),
    startTime: description.startTime,
    ...(description.closeTime ? { closeTime: description.closeTime } : {}),
    ...(goal ? { goal } : {}),
    ...forkOrigin(description.memo?.[FORK_MEMO]),
    ...(workflowTaskRunning(description) ? { workflowTaskRunning: true } : {}),
  };
}
