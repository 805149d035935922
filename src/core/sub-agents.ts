import { AGENT_TOOL_PREFIX, type AgentDefinition } from '../contracts/agent-definition';
import type { AgentRunInput } from '../contracts/run-input';
import type { ToolSpec } from '../contracts/tool-spec';

/** How deep agents may call agents: a run of depth 3 (a sub-sub-agent) calls none. */
export const MAX_AGENT_DEPTH = 3;
/** Agent calls one step may start; more are refused (the model is told to do fewer at a time). */
export const MAX_AGENT_CALLS_PER_STEP = 8;
/** Longest a sub-agent's run may take as a tool call. */
export const AGENT_CALL_TIMEOUT_MS = 24 * 60 * 60 * 1_000;

/** The tool another run calls an agent by: `agent__<name>`, with the goal it hands over. */
export function agentToolSpec(agent: AgentDefinition): ToolSpec {
  return {
    name: `${AGENT_TOOL_PREFIX}${agent.name}`,
    description: `Hand a task to the ${agent.name} agent, which works on it with its own tools and answers: ${agent.description}`,
    inputSchema: {
      type: 'object',
      properties: { goal: { type: 'string', minLength: 1, description: 'The task, with everything the agent needs to know: it sees nothing else of this conversation' } },
      required: ['goal'],
      additionalProperties: false,
    },
    timeoutMs: AGENT_CALL_TIMEOUT_MS,
    retry: { maximumAttempts: 1, initialIntervalMs: 1_000, backoffCoefficient: 2, maximumIntervalMs: 1_000 },
    effects: 'mutating',
    summaryField: 'goal',
    executor: { kind: 'agent', agent },
  };
}

/** A run of a named agent: its instructions as the system prompt, and its model, tools, planning, budget and gates. */
export function agentRunSettings(agent: AgentDefinition): Omit<AgentRunInput, 'goal'> {
  return {
    systemPrompt: agent.instructions,
    ...(agent.model ? { model: agent.model } : {}),
    ...(agent.tools ? { allowedTools: agent.tools } : {}),
    ...(agent.planning ? { planning: agent.planning } : {}),
    ...(agent.budget ? { budget: agent.budget } : {}),
    ...(agent.maxSteps ? { maxSteps: agent.maxSteps } : {}),
    ...(agent.requireApproval ? { requireApproval: agent.requireApproval } : {}),
  };
}
