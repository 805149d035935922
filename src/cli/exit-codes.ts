/** Exit codes of `durable-agent`; documented in docs/cli.md. */
export const EXIT_CODES = {
  /** The command did what was asked (for `run`/`result`: the agent gave a final answer). */
  ok: 0,
  /** The agent run ended without a final answer (max_steps, budget_exceeded, cancelled, failed), or `run` was interrupted. */
  runNotFinal: 1,
  /** Bad usage: unknown command or option, invalid argument, a run id that is taken, a decision or reply the run refused. */
  usage: 2,
  /** Invalid configuration: the environment, a namespace that does not exist, a script file that does not parse, a port in use. */
  configuration: 3,
  /** The Temporal server could not be reached, found, built or started, or was lost during the command. */
  temporalUnavailable: 4,
  /** No run has the given id. */
  notFound: 5,
  /** No worker answered for a live run, and the command needs one to read it (`pending`, `follow`, `approve --args`). */
  noWorker: 6,
  /** The server refused for now: the run has too many requests in flight (RESOURCE_EXHAUSTED), or a rate limit. Nothing was recorded; try again in a moment. */
  busy: 7,
  /** The run cannot take the request in its present state (FAILED_PRECONDITION, e.g. its Update limit); nothing was recorded. */
  notNow: 8,
  /** The server did not answer in time (DEADLINE_EXCEEDED): the request may or may not have been applied. */
  serverTimeout: 9,
  /** Any other refusal by the server (INVALID_ARGUMENT, PERMISSION_DENIED, INTERNAL, …), with the server's words. */
  serverRefused: 10,
  /** Anything unexpected: a bug. */
  internal: 70,
  /** A second Ctrl-C: the command stopped at once, without winding down (128 + SIGINT, the shell's convention). */
  interrupted: 130,
} as const;
