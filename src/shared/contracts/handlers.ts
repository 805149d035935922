import type { QueryDefinition } from '@temporalio/common';
import type { PlannerContext, PlannerContextRequest } from '../model';
import type { AgentRunResult } from './run-result';
import type { AgentState } from './run-state';
import type { AgentWorkflowInput } from './workflow-input';

/** The agent workflow's signature, for typed client handles (`getHandle<AgentWorkflow>`). */
export type AgentWorkflow = (input: AgentWorkflowInput) => Promise<AgentRunResult>;

/** The workflow type clients start. */
export const AGENT_WORKFLOW_TYPE = 'agentWorkflow';

/**
 * A query definition, built here so clients and activities can use it without importing workflow code
 * (`defineQuery` lives in `@temporalio/workflow`; a definition is only its name and type).
 */
function queryDefinition<Result, Args extends unknown[] = []>(name: string): QueryDefinition<Result, Args> {
  return { type: 'query', name } as QueryDefinition<Result, Args>;
}

/** Live state: step, calls in flight, usage, recent calls. Needs a worker to answer. */
export const agentStateQuery = queryDefinition<AgentState>('agentState');

/** What the planner reads: a prefix of the transcript (and the catalogue, when asked). Internal to the runtime. */
export const plannerContextQuery = queryDefinition<PlannerContext, [PlannerContextRequest?]>('plannerContext');
