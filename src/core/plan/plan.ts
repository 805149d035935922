import { callsOf } from '../actions';
import type { AgentAction, ToolCallAction } from '../model';

/** One call of a plan and the nodes it waits for. */
export interface PlanNode {
  /** Deterministic id, `s<step>-<index>` (1-based, in the model's order): the task id and part of the idempotency key. */
  id: string;
  call: ToolCallAction;
  /** Ids of the nodes that must succeed before this one starts. */
  dependsOn: readonly string[];
  /** The node's own name in a plan the model submitted (`submit_plan`); its arguments may reference other nodes by it. */
  name?: string;
}

/**
 * The calls of one answer as a graph. Today every answer is a set of independent calls (plain parallel tool calls,
 * or the seed's nested `Parallel`); dependencies are the extension point for plans whose nodes wait for others.
 * Nodes are in an order where every dependency comes before its dependents.
 */
export interface Plan {
  nodes: PlanNode[];
}

/** The plan of an action: one node per call, in the model's order, with no dependencies. */
export function planFromAction(action: AgentAction, step: number): Plan {
  return { nodes: callsOf(action).map((call, index) => ({ id: `s${step}-${index + 1}`, call, dependsOn: [] })) };
}

/**
 * What is wrong with a plan's graph: duplicate ids, unknown dependencies, self-dependencies, cycles, and
 * dependencies listed after their dependent. Empty when the plan can run. Pure.
 */
export function planProblems(plan: Plan): string[] {
  const problems: string[] = [];
  const position = new Map<string, number>();
  plan.nodes.forEach((node, index) => {
    if (position.has(node.id)) problems.push(`two nodes have the id "${node.id}"`);
    else position.set(node.id, index);
  });
  plan.nodes.forEach((node, index) => {
    for (const dependency of node.dependsOn) {
      const at = position.get(dependency);
      if (dependency === node.id) problems.push(`node "${node.id}" depends on itself`);
      else if (at === undefined) problems.push(`node "${node.id}" depends on "${dependency}", which is not in the plan`);
      else if (at > index) problems.push(`node "${node.id}" depends on "${dependency}", which comes after it (a cycle, or an order to fix)`);
    }
  });
  return problems;
}
