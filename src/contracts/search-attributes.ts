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

/** Every key above, with the type name the Temporal CLI's `--search-attribute NAME=TYPE` flag expects. */
export const AGENT_SEARCH_ATTRIBUTES: ReadonlyArray<{ name: string; cliType: 'Keyword' | 'Int' }> = [
  { name: AGENT_STATUS.name, cliType: 'Keyword' },
  { name: AGENT_STEP.name, cliType: 'Int' },
  { name: AGENT_INPUT_TOKENS.name, cliType: 'Int' },
  { name: AGENT_OUTPUT_TOKENS.name, cliType: 'Int' },
];
