import { AGENT_TOOL_PREFIX } from '../contracts/agent-definition';
import type { AgentState } from '../contracts/agent-state';
import type { Budget, BudgetRaise } from '../contracts/run-input';
import { RUN_STATUSES, type RunStatus } from '../contracts/status';

/** Separates the call ids of a path through sub-agents (`s1-1/s2-1`). */
export const CALL_PATH_SEPARATOR = '/';
/** How long a read of a run's tree waits for each run's live state. */
export const CHILD_READ_TIMEOUT_MS = 5_000;

/** A running sub-agent of a run, at any depth (docs/sub-agents.md). */
export interface SubAgentRun {
  /** The call ids from the run asked to this sub-agent's call: `s1-1`, or `s1-1/s2-1` for a sub-agent's sub-agent. */
  path: string;
  /** The agents along the path, outermost first. */
  agents: string[];
  /** Its own run id, `<parent id>.<call id>`, which status, cancel and the Temporal UI take too. */
  workflowId: string;
  /** Its live state: status, step, usage, budget. */
  state: AgentState;
}

/** What the tree walk needs of a run's handle. */
export interface TreeNode {
  readonly workflowId: string;
  state(options: { timeoutMs?: number }): Promise<AgentState>;
  child(workflowId: string): TreeNode;
}

/** The sub-agents a run has running now: its calls of `agent__<name>` tools, each a child run `<id>.<call id>`. */
export function agentCalls(workflowId: string, state: AgentState): Array<{ callId: string; agent: string; workflowId: string }> {
  return state.pending
    .filter((call) => call.tool.startsWith(AGENT_TOOL_PREFIX))
    .map((call) => ({ callId: call.id, agent: call.tool.slice(AGENT_TOOL_PREFIX.length), workflowId: `${workflowId}.${call.id}` }));
}

/**
 * The running sub-agents under a run, depth first (a child before its own children), with their live states. A child
 * whose state cannot be read (it ended between the two reads, or no worker answered in time) is left out.
 */
export async function subAgentTree(node: TreeNode, state: AgentState, prefix: { path: string[]; agents: string[] } = { path: [], agents: [] }): Promise<SubAgentRun[]> {
  const found: SubAgentRun[] = [];
  for (const call of agentCalls(node.workflowId, state)) {
    const child = node.child(call.workflowId);
    const childState = await child.state({ timeoutMs: CHILD_READ_TIMEOUT_MS }).catch(() => undefined);
    if (!childState) continue;
    const at = { path: [...prefix.path, call.callId], agents: [...prefix.agents, call.agent] };
    found.push({ path: at.path.join(CALL_PATH_SEPARATOR), agents: at.agents, workflowId: call.workflowId, state: childState });
    found.push(...(await subAgentTree(child, childState, at)));
  }
  return found;
}

/** The waits a parent shows for its sub-agents, the most pressing first: a budget pause stops a child outright. */
const WAIT_ORDER: readonly RunStatus[] = [RUN_STATUSES.waitingForBudget, RUN_STATUSES.waitingForApproval, RUN_STATUSES.waitingForInput, RUN_STATUSES.paused];

/** The sub-agents that wait for people (budget, approval, answer, resume), the most pressing first. */
export function waitingSubAgents(tree: readonly SubAgentRun[]): SubAgentRun[] {
  return tree.filter((run) => WAIT_ORDER.includes(run.state.status)).sort((a, b) => WAIT_ORDER.indexOf(a.state.status) - WAIT_ORDER.indexOf(b.state.status));
}

/**
 * The status a running run shows when its sub-agents wait: the most pressing of their waits (a parent whose child waits
 * for budget is `waiting_for_budget`, naming the child), or its own status when none waits or it waits itself.
 */
export function statusWithSubAgents(own: RunStatus, tree: readonly SubAgentRun[]): { status: RunStatus; waitingOn?: SubAgentRun } {
  const first = waitingSubAgents(tree)[0];
  if (own !== RUN_STATUSES.running || !first) return { status: own };
  return { status: first.state.status, waitingOn: first };
}

const LIMITS = ['maxTokens', 'maxWallTimeMs', 'maxCostUsd'] as const;

/** The part of a raise that raises a run's own limits: those it has, where the raise goes above them. */
export function ownPart(raise: BudgetRaise, budget: Budget | undefined): BudgetRaise {
  const own: BudgetRaise = {};
  for (const key of LIMITS) {
    const wanted = raise[key];
    const now = budget?.[key];
    if (wanted !== undefined && now !== undefined && wanted > now) own[key] = wanted;
  }
  return own;
}

/** What is left of each limit a run has: its budget in force less what it used (the same measure its budget checks). */
export function budgetLeft(state: AgentState): Budget | undefined {
  if (!state.budget) return undefined;
  const left: Budget = {};
  for (const key of LIMITS) {
    const limit = state.budget[key];
    if (limit !== undefined) left[key] = Math.max(0, limit - (state.budgetUsed?.[key] ?? 0));
  }
  return left;
}

/**
 * What a raise passed through a parent gives a child: each limit cut to what the parent has left, as when the child
 * started. Tokens and cost count from the child's start, so the cut is the parent's remainder; wall time too, so the
 * child's limit is the time it has run plus the parent's remainder.
 */
export function childPart(raise: BudgetRaise, parent: AgentState, child: AgentState): BudgetRaise {
  const left = budgetLeft(parent);
  const cut: BudgetRaise = {};
  for (const key of LIMITS) {
    const wanted = raise[key];
    if (wanted === undefined) continue;
    const remainder = left?.[key];
    const already = key === 'maxWallTimeMs' ? (child.budgetUsed?.maxWallTimeMs ?? 0) : 0;
    cut[key] = remainder === undefined ? wanted : Math.min(wanted, already + remainder);
  }
  return cut;
}

/** True when a raise carries at least one limit. */
export function hasLimits(raise: BudgetRaise): boolean {
  return LIMITS.some((key) => raise[key] !== undefined);
}
