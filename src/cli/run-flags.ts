import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import type { ConfiguredAgents } from '../agents/agent-files';
import { validateRunInput, type AgentRunInput } from '../client';
import type { AgentDefinition } from '../contracts/agent-definition';
import { agentRunSettings } from '../core/sub-agents';
import { ungatedApprovalEntries, ungatedApprovalMessage } from '../core/approval-gates';
import { matchesToolName } from '../core/tool-patterns';
import { recordedToolsOf } from './parse';

/** The flags of `durable-agent run` (src/cli/commands/run-command.ts). */
export interface RunOptions {
  maxSteps?: number;
  maxParallel?: number;
  tools?: string[];
  model?: string;
  maxTokens?: number;
  maxTime?: number;
  maxCost?: number;
  onBudget?: 'stop' | 'pause';
  systemPrompt?: string;
  systemPromptFile?: string;
  requireApproval?: string[];
  approvalTimeout?: number;
  planning?: 'react' | 'dag' | 'auto';
  planner?: 'auto' | 'activity' | 'local';
  fastTools?: boolean | string[];
  mcpConfig?: string;
  toolQueues?: string[];
  toolsFrom?: string;
  unmatched?: 'live' | 'refuse';
  script?: string;
  agent?: string;
  agents?: string;
  id?: string;
  detach?: boolean;
  json?: boolean;
}

/**
 * The run's budget from `--max-tokens`, `--max-time`, `--max-cost` and `--on-budget` over the `--agent`'s budget (each
 * flag replaces its own limit), or nothing when none is set.
 */
function budgetFrom(options: RunOptions, base: AgentRunInput['budget'] = {}): Pick<AgentRunInput, 'budget'> {
  const limits = {
    ...base,
    ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
    ...(options.maxTime !== undefined ? { maxWallTimeMs: options.maxTime } : {}),
    ...(options.maxCost !== undefined ? { maxCostUsd: options.maxCost } : {}),
  };
  if (Object.keys(limits).filter((key) => key !== 'onExhausted').length === 0) {
    if (options.onBudget) throw new InvalidArgumentError('--on-budget needs a budget: add --max-tokens, --max-time or --max-cost.');
    return {};
  }
  return { budget: { ...limits, ...(options.onBudget ? { onExhausted: options.onBudget } : {}) } };
}

/** The run's input: the `--agent`'s settings (docs/sub-agents.md), then the flags given, which override them. */
export function inputFrom(goalWords: string[], options: RunOptions, agent?: AgentDefinition): AgentRunInput {
  const settings = agent ? agentRunSettings(agent) : {};
  return validateRunInput({
    ...settings,
    goal: goalWords.join(' '),
    ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
    ...(options.maxParallel !== undefined ? { maxParallel: options.maxParallel } : {}),
    // `--tools ""` is an empty allowlist (no tools), never "all": the workflow treats [] as none.
    ...(options.tools !== undefined ? { allowedTools: options.tools } : {}),
    ...(options.model ? { model: options.model } : {}),
    ...budgetFrom(options, settings.budget),
    ...systemPromptOf(options),
    ...(options.requireApproval?.length ? { requireApproval: options.requireApproval } : {}),
    ...(options.approvalTimeout !== undefined ? { approvalTimeoutMs: options.approvalTimeout } : {}),
    ...(options.planning ? { planning: options.planning } : {}),
    ...(options.planner ? { planner: options.planner } : {}),
    ...(options.fastTools !== undefined ? { fastTools: options.fastTools } : {}),
    ...(options.toolQueues?.length ? { toolQueues: options.toolQueues } : {}),
    ...recordedToolsOf(options),
  });
}

/** `--system-prompt TEXT` or `--system-prompt-file FILE` (not both). */
function systemPromptOf(options: RunOptions): { systemPrompt?: string } {
  if (options.systemPrompt !== undefined && options.systemPromptFile !== undefined) {
    throw new InvalidArgumentError('Give either --system-prompt or --system-prompt-file, not both.');
  }
  if (options.systemPromptFile === undefined) return options.systemPrompt !== undefined ? { systemPrompt: options.systemPrompt } : {};
  try {
    return { systemPrompt: readFileSync(options.systemPromptFile, 'utf8') };
  } catch (error) {
    throw new InvalidArgumentError(`Cannot read --system-prompt-file ${options.systemPromptFile}: ${(error as Error).message}`);
  }
}

/** What the errors of {@link checkToolNames} call the run's tool lists: the flags, or the `--agent`'s fields. */
export interface ToolListLabels {
  tools: string;
  requireApproval: string;
}

export function toolListLabels(options: RunOptions, agent: AgentDefinition | undefined): ToolListLabels {
  const from = (flag: string, given: unknown, field: keyof AgentDefinition) => (given === undefined && agent?.[field] !== undefined ? `\`${field}\` of agent ${agent.name}` : flag);
  return { tools: from('--tools', options.tools, 'tools'), requireApproval: from('--require-approval', options.requireApproval, 'requireApproval') };
}

/**
 * `--agent NAME`: its definition among the configured agents (`--agents DIR`, else `$DURABLE_AGENT_AGENTS_DIR`).
 * @throws InvalidArgumentError when no folder is configured or none of its agents has that name, listing them
 */
export function chosenAgent(name: string | undefined, configured: ConfiguredAgents | undefined): AgentDefinition | undefined {
  if (name === undefined) return undefined;
  if (!configured) {
    throw new InvalidArgumentError(`--agent ${name} needs the agents folder: give --agents DIR or set DURABLE_AGENT_AGENTS_DIR (a folder of <name>.md files, one per agent: docs/sub-agents.md).`);
  }
  const agent = configured.agents.find((candidate) => candidate.name === name);
  if (agent) return agent;
  const known = configured.agents.length ? `its agents: ${configured.agents.map((candidate) => candidate.name).join(', ')}` : 'it has none';
  throw new InvalidArgumentError(`No agent named "${name}" in ${configured.folder} (${known}). List them with \`durable-agent agents\`.`);
}

/**
 * `--tools` and `--require-approval` against the tools the worker will serve (built-ins and MCP servers'), before
 * anything starts listening. Tools of other queues are known only to their workers: with `--tool-queues` the run
 * checks those names against the whole catalogue itself.
 */
export function checkToolNames(input: AgentRunInput, available: readonly string[], labels: ToolListLabels = { tools: '--tools', requireApproval: '--require-approval' }): void {
  if (input.toolQueues?.length) return;
  for (const [flag, names] of [[labels.tools, input.allowedTools], [labels.requireApproval, input.requireApproval]] as const) {
    const unknown = (names ?? []).filter((name) => !available.some((tool) => matchesToolName(name, tool)));
    if (unknown.length > 0) {
      throw new InvalidArgumentError(`Unknown tool${unknown.length > 1 ? 's' : ''} in ${flag}: ${unknown.join(', ')}. Available: ${available.join(', ')}.`);
    }
  }
  // With the whole catalogue known, a pattern that matches only `wait`/`ask_user` would gate nothing either.
  const ungated = ungatedApprovalEntries(input.requireApproval ?? [], [...available]);
  if (ungated.length > 0) throw new InvalidArgumentError(ungatedApprovalMessage(ungated));
}
