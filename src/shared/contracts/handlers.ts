import type { QueryDefinition, UpdateDefinition } from '@temporalio/common';
import type { Decision, EventPage, FollowRequest, Pending, Reply, Send, TurnAnswer } from './interaction';
import type { Budget, BudgetRaise } from './run-input';
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

function updateDefinition<Result, Args extends unknown[] = []>(name: string): UpdateDefinition<Result, Args> {
  return { type: 'update', name } as UpdateDefinition<Result, Args>;
}

/** Tool calls and questions waiting for people. */
export const pendingQuery = queryDefinition<Pending>('pending');

/** The event log from an offset (at most `limit` events). */
export const eventsQuery = queryDefinition<EventPage, [{ from: number; limit?: number }]>('events');

/** The follow validator's refusal while the run hands over or ends; clients match it to ask again (or read the rest by query). */
export const FOLLOW_RELEASED = 'the run is handing over to its next run or has ended: follow again, or read the log with the events query';

/**
 * Follows the event log without polling: the Update is answered as soon as there is an event at `from` or later, or the
 * run ends, or it continues as new (then the page is empty and the follower asks again; the next run answers). Refused
 * by its validator (nothing written to history) while the run is handing over to its next run or has ended.
 */
export const followEventsUpdate = updateDefinition<EventPage, [FollowRequest]>('followEvents');

/** Approve (optionally with edited arguments) or deny one gated call. Rejected by its validator, without touching history, when the call is unknown, not waiting or already decided, or the run has ended. */
export const decideUpdate = updateDefinition<{ callId: string; decision: Decision['decision'] }, [Decision]>('decide');

/** Answer the model's open question. */
export const replyUpdate = updateDefinition<{ questionId: string }, [Reply]>('reply');

/** The next message of a session; answers when the turn is answered. */
export const sendUpdate = updateDefinition<TurnAnswer, [Send]>('send');

/** Ends a session: it answers with its last turn's result. */
export const closeUpdate = updateDefinition<{ closed: true }, []>('close');

/** Raise the run's budget (it goes on if it was paused on it); answers with the budget now in force. */
export const raiseBudgetUpdate = updateDefinition<Budget, [BudgetRaise]>('raiseBudget');
