/**
 * The public contracts of durable-agent, in one module: what a caller passes, what a run returns, its live state,
 * the status words, the error types and the handler definitions. Types are derived from the zod schemas.
 */
export { AGENT_WORKFLOW_TYPE, agentStateQuery, closeUpdate, decideUpdate, eventsQuery, followEventsUpdate, lastAnswerQuery, pendingQuery, raiseBudgetUpdate, replyUpdate, sendUpdate, type AgentWorkflow } from './definitions';
export { ModelTextDetailsSchema, STREAM_INTERVAL_MS, STREAM_WINDOW_CHARS, type ModelStreamChunk, type ModelTextDetails, type RecordedAnswerText } from './model-text';
export {
  DecisionSchema,
  DEFAULT_APPROVAL_TIMEOUT_MS,
  EventPageSchema,
  FollowRequestSchema,
  PendingSchema,
  ReplySchema,
  SendSchema,
  TurnAnswerSchema,
  RUN_EVENT_TYPES,
  RunEventSchema,
  type Decision,
  type EventPage,
  type FollowRequest,
  type Pending,
  type PendingApproval,
  type PendingQuestion,
  type Reply,
  type Send,
  type TurnAnswer,
  type RunEvent,
} from './interaction-schemas';
export {
  INTERACTIONS,
  PauseSchema,
  ResumeSchema,
  simpleInteractions,
  type InteractionArgs,
  type InteractionName,
  type InteractionResult,
  type InteractionSpec,
  type Pause,
  type PauseResult,
  type Resume,
  type ResumeResult,
} from './interactions';
export { AgentRunInputSchema, BudgetRaiseSchema, BudgetSchema, DEFAULT_MAX_STEPS, GOAL_MAX_CHARACTERS, type AgentRunInput, type Budget, type BudgetRaise } from './run-input';
export { AgentRunResultSchema, TaskErrorSchema, UsageSchema, type AgentRunResult, type TaskError, type Usage } from './run-result';
export { AgentStateSchema, FinishedCallSchema, PromptSeenSchema, type AgentState, type FinishedCall, type PromptSeen } from './agent-state';
export { isOutcome, LIVE_STATUS_WORDS, OUTCOME_STATUS_WORDS, RUN_STATUS_WORDS, RUN_STATUSES, type AgentRunStatus, type LiveRunStatus, type RunStatus } from './status';
export { ChatMessageSchema, type ChatMessage } from './chat-message';
export { ERROR_TYPES, type ErrorType } from './error-types';
export { costOf, DEFAULT_MODEL_PRICES, ModelPricesSchema, type ModelPrice, type ModelPrices } from './pricing';
export { EVAL_WORKFLOW_TYPE, evalProgressQuery, forkPointQuery, type EvalWorkflow } from './definitions';
export { EvalCheckSchema, EvalSuiteSchema, EvalVariantSchema, MAX_EVAL_RUNS, type EvalCase, type EvalCaseResult, type EvalCheck, type EvalCheckResult, type EvalProgress, type EvalReport, type EvalSuite, type EvalSuiteInput, type EvalVariant, type EvalVariantSummary } from './eval';
export { ForkSeedSchema, type ForkPoint, type ForkSeed } from './fork';
