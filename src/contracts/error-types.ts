/**
 * The one catalogue of failure `type` strings. Activities raise `ApplicationFailure`s with these types,
 * the workflow and clients check errors by `type` (never by `instanceof`: the workflow sandbox and Jest
 * each have their own module realm).
 */
export const ERROR_TYPES = {
  /** The model's arguments for a tool were not JSON or failed the tool's input schema. Not retried. */
  toolInputInvalid: 'ToolInputInvalid',
  /** A sub-agent's run ended without a final answer, or failed (docs/sub-agents.md). The parent goes on. */
  subAgentFailed: 'SubAgentFailed',
  /** An agent called an agent already working on the task (directly or through others). */
  agentCycle: 'AgentCycle',
  /** Agents called agents deeper than the limit. */
  agentDepth: 'AgentDepthExceeded',
  /** A step started more agent calls than the limit. */
  agentFanOut: 'AgentFanOutExceeded',
  /** The model asked for a tool that no worker registered. No activity is scheduled. */
  toolUnknown: 'ToolUnknown',
  /** The model asked for a registered tool that this run does not allow. No activity is scheduled. */
  toolNotAllowed: 'ToolNotAllowed',
  /** A tool attempt ran past its start-to-close timeout, or all attempts past the schedule-to-close timeout. */
  toolTimeout: 'ToolTimeout',
  /** An expected, domain-level tool failure (not found, denied); shown to the model, not retried. */
  toolError: 'ToolError',
  /** A tool kept failing until its retry policy gave up. */
  toolFailed: 'ToolFailed',
  /** A tool call was cancelled. */
  toolCancelled: 'ToolCancelled',
  /** A person denied the call; it never ran. */
  toolDenied: 'ToolDenied',
  /** Nobody decided on the call within `approvalTimeoutMs`; it never ran. */
  toolApprovalTimeout: 'ToolApprovalTimeout',
  /** Nobody answered the model's question within `approvalTimeoutMs`. */
  questionTimeout: 'QuestionTimeout',
  /** No worker serves the tool's task queue: the call (or the catalogue read) was not taken in time. Not retried. */
  toolUnavailable: 'ToolUnavailable',
  /**
   * One attempt's failure, retryable: the tool's MCP server has not connected on this worker (its start failed and is
   * retried in the background). The next attempt may reach a worker that has it; once attempts run out the call is `ToolFailed`.
   */
  mcpServerUnavailable: 'McpServerUnavailable',
  /** A plan node that did not run because a node it depends on failed. */
  toolSkipped: 'ToolSkipped',
  /** A `submit_plan` the workflow refused before running anything (cycle, unknown node or tool, too many nodes…). */
  planInvalid: 'PlanInvalid',
  /** Calls of one answer beyond `maxCallsPerAnswer`: dropped, never scheduled; the model is told. */
  toolCallLimit: 'ToolCallLimit',
  /**
   * `read_output` was given the handle of a stored output whose blob is gone: its run ended long enough ago that
   * retention deleted it (`durable-agent outputs prune`), or this worker's store is not the one that kept it. Not retried.
   */
  outputExpired: 'OutputExpired',

  modelAuthentication: 'ModelInvocationError.Authentication',
  /** The worker has no model configured (no OPENAI_API_KEY or OPENAI_BASE_URL): the run fails at its first model call. */
  modelNotConfigured: 'ModelInvocationError.NotConfigured',
  modelPermissionDenied: 'ModelInvocationError.PermissionDenied',
  modelNotFound: 'ModelInvocationError.NotFound',
  modelBadRequest: 'ModelInvocationError.BadRequest',
  modelRateLimited: 'ModelInvocationError.RateLimited',
  modelServerError: 'ModelInvocationError.ServerError',
  modelConnection: 'ModelInvocationError.Connection',
  modelTimeout: 'ModelInvocationError.Timeout',
  /** The model answered with something that is not a chat completion (not JSON, no choices, no message, wrong types). */
  modelMalformedOutput: 'ModelInvocationError.MalformedOutput',
  /** The model's answer is larger than a run can record (`MAX_ANSWER_BYTES`). Not retried: the same prompt would do it again. */
  modelAnswerTooLarge: 'ModelInvocationError.AnswerTooLarge',

  /** The run's input is invalid (raised by the workflow before it does anything). */
  agentInputInvalid: 'AgentInputInvalid',
} as const;

export type ErrorType = (typeof ERROR_TYPES)[keyof typeof ERROR_TYPES];
