/** Exit codes of `durable-agent`; documented in the README. */
export const EXIT_CODES = {
  /** The command did what was asked (for `run`/`result`: the agent gave a final answer). */
  ok: 0,
  /** The agent run ended without a final answer (max_steps, budget_exceeded, cancelled, failed). */
  runNotFinal: 1,
  /** Bad usage: unknown command or option, invalid argument. */
  usage: 2,
  /** Invalid configuration in the environment, or a script file that does not parse. */
  configuration: 3,
  /** The Temporal server could not be reached, found, built or started. */
  temporalUnavailable: 4,
  /** No run has the given id. */
  notFound: 5,
  /** Anything unexpected. */
  internal: 70,
} as const;
