import type { QueryDefinition, UpdateDefinition } from '@temporalio/common';
import type { Decision, EventPage, FollowRequest, Pending, Reply, Send, TurnAnswer } from './interaction-schemas';
import type { Budget, BudgetRaise } from './run-input';
import type { PlannerContext, PlannerContextRequest } from './planner-io';
import type { AgentRunResult } from './run-result';
import type { AgentState } from './agent-state';
import type { RecordedAnswerText } from './model-text';
import type { AgentWorkflowInput } from './workflow-input';
import type { ForkPoint } from './fork';
import type { EvalProgress, EvalReport, EvalWorkflowInput } from './eval';

/** The agent workflow's signature, for typed client handles (`getHandle<AgentWorkflow>`). */
export type AgentWorkflow = (input: AgentWorkflowInput) => Promise<AgentRunResult>;

/** The memo key under which an ended run leaves the tail of its event log (an `EventPage`), so readers need no worker. */
export const ENDED_EVENT_LOG_MEMO = 'durableAgentEventLog';

/** The workflow type clients start. */
export const AGENT_WORKFLOW_TYPE = 'agentWorkflow';

/** The eval workflow (docs/evals.md): a suite's cases under its variants, as child runs. */
export const EVAL_WORKFLOW_TYPE = 'evalWorkflow';
export type EvalWorkflow = (input: EvalWorkflowInput) => Promise<EvalReport>;

/**
 * A query definition, built here so clients and activities can use it without importing workflow code
 * (`defineQuery` lives in `@temporalio/workflow`; a definition is only its name and type).
 */
function queryDefinition<Result, Args extends unknown[] = []>(name: string): QueryDefinition<Result, Args> {
  return { type: 'query', name } as QueryDefinition<Result, Args>;
}

/** Live state: step, calls in flight, usage, recent calls. Needs a worker to answer. */
export const agentStateQuery = queryDefinition<AgentState>('agentState');

/** The latest recorded model answer's text and step (a live stream ends a call's text with it: docs/streaming.md). */
export const lastAnswerQuery = queryDefinition<RecordedAnswerText | null>('lastAnswer');

/** What the planner reads: a prefix of the transcript (and the catalogue, when asked). Internal to the runtime. */
export const plannerContextQuery = queryDefinition<PlannerContext, [PlannerContextRequest?]>('plannerContext');

/**
 * Where a step of the run was planned: the transcript the model saw then and its answer, when this execution planned
 * it; otherwise the execution it continued from. What `fork` reads (docs/forks.md). Needs a worker to answer.
 */
export const forkPointQuery = queryDefinition<ForkPoint, [{ step: number }]>('forkPoint');

/** An eval's progress: case runs done and running, and the results so far (docs/evals.md). */
export const evalProgressQuery = queryDefinition<EvalProgress>('evalProgress');

function updateDefinition<Result, Args extends unknown[] = []>(name: string): UpdateDefinition<Result, Args> {
  return { type: 'update', name } as UpdateDefinition<Result, Args>;
}

/** Tool calls and questions waiting for people. */
export const pendingQuery = queryDefinition<Pending>('pending');

/**
 * The event log from an offset (at most `limit` events). Followers poll it (a query never enters history nor takes
 * an Update slot); an ended run's log is also in its memo under {@link ENDED_EVENT_LOG_MEMO}, read without a worker.
 */
export const eventsQuery = queryDefinition<EventPage, [{ from: number; limit?: number }]>('events');

/** Why every `followEvents` Update is refused now (by its validator: nothing reaches history). */
export const FOLLOW_RETIRED = 'following by Update is retired (an open read took one of the run\'s 10 Update slots): read the log with the `events` query; update durable-agent';

/**
 * Retired: it long-polled the event log as an Update, so interrupted followers held the run's in-flight Update slots
 * and locked decisions out. Every new one is refused with {@link FOLLOW_RETIRED}; the workflow keeps its handler so
 * that histories with accepted follows replay. Read the log with {@link eventsQuery}.
 */
export const followEventsUpdate = updateDefinition<EventPage, [FollowRequest]>('followEvents');

/** Approve (optionally with edited arguments) or deny one gated call. Rejected by its validator, without touching history, when the call is unknown, not waiting or already decided, or the run has ended. */
export const decideUpdate = updateDefinition<{ callId: string; decision: Decision['decision'] }, [Decision]>('decide');

/** Answer the model's open question. */
export const replyUpdate = updateDefinition<{ questionId: string }, [Reply]>('reply');

/** The answer of a session's turn once answered (null before): read after a `send` answered `continued`. */
export const turnAnswerQuery = queryDefinition<TurnAnswer | null, [number]>('turnAnswer');

/**
 * The next message of a session; answers when the turn is answered, or with `continued: true` when the run hands over
 * to its next run within the turn (then read the answer with {@link turnAnswerQuery}).
 */
export const sendUpdate = updateDefinition<TurnAnswer, [Send]>('send');

/** Ends a session: it answers with its last turn's result. */
export const closeUpdate = updateDefinition<{ closed: true }, []>('close');

/** Raise the run's budget (it goes on if it was paused on it); answers with the budget now in force. */
export const raiseBudgetUpdate = updateDefinition<Budget, [BudgetRaise]>('raiseBudget');
