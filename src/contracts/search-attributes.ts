import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Search attributes that every agent run upserts, so runs can be listed and filtered
 * (`durable-agent list --status …`) and seen as columns in the Temporal UI.
 * The embedded dev server registers them at start-up; another cluster needs them registered once
 * (`temporal operator search-attribute create`).
 */
export const AGENT_STATUS = defineSearchAttributeKey('AgentStatus', SearchAttributeType.KEYWORD);
export const AGENT_STEP = defineSearchAttributeKey('AgentStep', SearchAttributeType.INT);
export const AGENT_INPUT_TOKENS = defineSearchAttributeKey('AgentInputTokens', SearchAttributeType.INT);
export const AGENT_OUTPUT_TOKENS = defineSearchAttributeKey('AgentOutputTokens', SearchAttributeType.INT);
/**
 * The run's goal, cut to `AGENT_GOAL_CHARS`, set by the client when it starts the run: the Temporal UI's list can show
 * it as a column. Search attributes are readable by whoever may list the namespace's runs, and are never encrypted by
 * a payload codec: a short, readable label (docs/ui.md).
 */
export const AGENT_GOAL = defineSearchAttributeKey('AgentGoal', SearchAttributeType.KEYWORD);

/**
 * The run's cost so far in USD (the whole continue-as-new chain), when the worker knows the model's price
 * (`DURABLE_AGENT_PRICES`): `list` shows it, and the Temporal UI can sort and filter on it. Optional: it came after
 * the others, and a namespace may lack it (SQL visibility has three Double slots; this takes one). Upserted only by
 * runs that started with the `costAttribute` feature (docs/versioning.md) on a namespace that has it.
 */
export const AGENT_COST_USD = defineSearchAttributeKey('AgentCostUsd', SearchAttributeType.DOUBLE);

/**
 * The workflow id of the run a fork was forked from (docs/forks.md), set by the client when it starts the fork:
 * `list --forks-of <id>` filters on it. Optional, like `AgentGoal`.
 */
export const AGENT_FORK_OF = defineSearchAttributeKey('AgentForkOf', SearchAttributeType.KEYWORD);

/** Characters of the goal kept in `AgentGoal`. */
export const AGENT_GOAL_CHARS = 100;

/** The goal as `AgentGoal` holds it: one line, at most `AGENT_GOAL_CHARS` characters. */
export function goalAttribute(goal: string): string {
  const line = goal.replace(/\s+/g, ' ').trim();
  return line.length > AGENT_GOAL_CHARS ? `${line.slice(0, AGENT_GOAL_CHARS - 1)}…` : line;
}

/**
 * Every key above, with the type name the Temporal CLI's `--search-attribute NAME=TYPE` flag expects. `optional`: a
 * namespace without it still gets the others (it came later; runs then have no goal or cost column).
 */
export const AGENT_SEARCH_ATTRIBUTES: ReadonlyArray<{ name: string; cliType: 'Keyword' | 'Int' | 'Double'; optional?: true }> = [
  { name: AGENT_STATUS.name, cliType: 'Keyword' },
  { name: AGENT_STEP.name, cliType: 'Int' },
  { name: AGENT_INPUT_TOKENS.name, cliType: 'Int' },
  { name: AGENT_OUTPUT_TOKENS.name, cliType: 'Int' },
  { name: AGENT_GOAL.name, cliType: 'Keyword', optional: true },
  { name: AGENT_COST_USD.name, cliType: 'Double', optional: true },
  { name: AGENT_FORK_OF.name, cliType: 'Keyword', optional: true },
];
