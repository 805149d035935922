import type { RetrySpec } from './tool-spec';

/**
 * Timeout and retry profiles, in one place. Tools pick one (or their own) in `defineTool`;
 * the planner uses PLANNER_*.
 */
export const TOOL_RETRY_DEFAULT: RetrySpec = {
  maximumAttempts: 3,
  initialIntervalMs: 200,
  backoffCoefficient: 2,
  maximumIntervalMs: 5_000,
};

export const TOOL_TIMEOUT_DEFAULT_MS = 30_000;

export const PLANNER_TIMEOUT_MS = 120_000;
export const PLANNER_HEARTBEAT_TIMEOUT_MS = 30_000;
/**
 * Largest transcript delta an activity planner's request carries, in characters of message text. A step whose new
 * messages (or, in the first request, messages and catalogue) are larger sends none: the worker's cache cannot cover
 * the transcript then, and it queries the run, so a request never adds more than this to history. A local planner's
 * request carries the whole transcript whatever its size (its input never enters history).
 */
export const PLANNER_DELTA_MAX_CHARS = 64_000;
/**
 * A run planning `auto` calls the model from a local activity; one that has not answered in this time is handed to a
 * normal activity, whose heartbeats carry its text as it writes (docs/agent-loop.md, "The planner's mode").
 */
export const PLANNER_HANDOFF_MS = 200;
/** How long a worker keeps a handed-over model call for the activity that takes it before aborting it. */
export const PLANNER_PARKED_CALL_MS = 15_000;
export const PLANNER_RETRY: RetrySpec = {
  maximumAttempts: 8,
  initialIntervalMs: 500,
  backoffCoefficient: 2,
  maximumIntervalMs: 20_000,
};
/** Upper bound on a server's `Retry-After` that we honour. */
export const PLANNER_MAX_RETRY_AFTER_MS = 60_000;

/** Budget for the catalogue activity at the start of a run. */
export const CATALOGUE_TIMEOUT_MS = 10_000;
/** How long a tool queue's catalogue read waits for a worker of that queue to take it. */
export const TOOL_QUEUE_CATALOGUE_WAIT_MS = 10_000;
/** How long a call to a tool on another queue waits for a worker to take it (`toolUnavailableAfterMs`). */
export const DEFAULT_TOOL_UNAVAILABLE_AFTER_MS = 30_000;


/*
 * Size limits: no run may die of its own size (Temporal refuses payloads over 2 MB and terminates a run whose
 * history passes 50 MB; a workflow task that runs past its deadline is retried forever). Each is documented in
 * docs/configuration.md, "Limits".
 */

/** Tool calls of one model answer that run; the rest are dropped and the model is told. */
export const DEFAULT_MAX_CALLS_PER_ANSWER = 64;
/** Upper bound a run may set for `maxCallsPerAnswer`. */
export const MAX_CALLS_PER_ANSWER_LIMIT = 1_000;
/** Bytes of tool output one step may add to history; each call's cap shrinks as the step fills. */
export const DEFAULT_STEP_OUTPUT_BYTES = 4_000_000;
/** Smallest output cap a call gets, however full its step is. */
export const MIN_CALL_OUTPUT_BYTES = 2_048;
/** Largest model answer (JSON of the assistant message) the planner returns; larger answers fail with `ModelInvocationError.AnswerTooLarge`. */
export const MAX_ANSWER_BYTES = 1_000_000;
/** Deepest nesting of a tool call's JSON arguments; deeper arguments are `ToolInputInvalid` (and never reach a payload converter). */
export const MAX_ARGUMENT_DEPTH = 64;
/** Bytes of transcript a run carries into the next run of its chain at continue-as-new. */
export const DEFAULT_CARRIED_TRANSCRIPT_BYTES = 400_000;
/** Largest error message kept from a tool failure (the rest is cut: it enters history). */
export const MAX_ERROR_MESSAGE_BYTES = 4_096;
/** The built-in that reads stored outputs (docs/outputs.md). */
export const READ_OUTPUT_TOOL = 'read_output';
/** Most bytes of a stored output one `read_output` call returns. */
export const READ_OUTPUT_MAX_LENGTH = 65_536;
/**
 * The observation of a `read_output` call: the window the model asked for (at most READ_OUTPUT_MAX_LENGTH, as JSON)
 * reaches it whole, whatever `observationBytesPerCall` says, or paging through an output would lose its middle.
 */
export const READ_OUTPUT_OBSERVATION_BYTES = 80_000;


/** Bytes of JSON a person's edited arguments may have (`approve --edit`); a run may set its own (`maxEditBytes`). */
export const DEFAULT_MAX_EDIT_BYTES = 65_536;
/** The most a run may allow for edited arguments: each approval adds them to history twice (the Update and the call). */
export const MAX_EDIT_BYTES_LIMIT = 1_000_000;
/** UTF-8 bytes of a reply or a session message. */
export const MAX_MESSAGE_BYTES = 100_000;
/** UTF-8 bytes of a denial's reason. */
export const MAX_REASON_BYTES = 4_096;
/**
 * Updates a run accepts before it continues as new at its next safe point (between steps, while idle, or while it
 * waits for people or a budget): Temporal refuses more than 2,000 Updates per execution.
 */
export const DEFAULT_CONTINUE_AS_NEW_AFTER_UPDATES = 1_000;
/** Bytes of the event log an ended run leaves in its memo, for followers that come after it ended (no worker replay). */
export const ENDED_LOG_MEMO_BYTES = 512_000;
