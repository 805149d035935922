/**
 * The public contracts of durable-agent, in one module: what a caller passes, what a run returns, its live state,
 * the status words, the error types and the handler definitions. Types are derived from the zod schemas.
 */
export { AGENT_WORKFLOW_TYPE, agentStateQuery } from './handlers';
export { AgentRunInputSchema, BudgetSchema, GOAL_MAX_CHARACTERS, type AgentRunInput } from './run-input';
export { AgentRunResultSchema, TaskErrorSchema, UsageSchema, type AgentRunResult, type TaskError, type Usage } from './run-result';
export { AgentStateSchema, FinishedCallSchema, PromptSeenSchema, type AgentState, type FinishedCall, type PromptSeen } from './run-state';
export { isOutcome, OUTCOME_STATUS_WORDS, RUN_STATUS_WORDS, RUN_STATUSES, type AgentRunStatus, type RunStatus } from './status';
export { ChatMessageSchema, type ChatMessage } from './transcript';
export { ERROR_TYPES, type ErrorType } from '../errors';
